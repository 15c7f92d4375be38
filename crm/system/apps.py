from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SystemConfig(AppConfig):
    name = "crm.system"
    label = "system"
    verbose_name = _("System")

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register_nav

        register_nav(
            NavItem(_("Dictionaries"), "system:dictionaries", "book", module="system", section="admin", order=60),
            NavItem(_("Document numbers"), "system:number_sequences", "123", module="system", section="admin",
                    order=63),
            NavItem(_("Holidays"), "system:holidays", "calendar-event", module="system", section="admin", order=65),
            NavItem(_("Settings"), "system:settings", "gear", module="system", section="admin", order=70),
        )

        from crm.audit.registry import register_audit

        register_audit(record_types=("system.dictionaryitem", "system.systemsettings", "system.holiday"))
