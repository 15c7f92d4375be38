from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "crm.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app that can import its records says so in its own ``importers.py`` (customers now; leads and
        # products later), which registers an Importer; nothing here has to change when one is added.
        autodiscover_modules("importers")

        from crm.audit.registry import register_audit

        register_audit(record_types=("imports.importjob",))

        from crm.core.dashboard import register_widget
        from crm.imports.widgets import IMPORT_JOBS

        register_widget(IMPORT_JOBS)
