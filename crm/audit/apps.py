from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "crm.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Audit trail"), "audit:list", "clock-history", module="system", section="admin",
                             order=50))

        from crm.audit.widgets import RECENT_EXPORTS
        from crm.core.dashboard import register_widget

        register_widget(RECENT_EXPORTS)
