from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "crm.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Outbox"), "notifications:outbox", "envelope", module="system", section="admin",
                             order=75))

        from crm.core.dashboard import register_widget
        from crm.notifications.widgets import RECENT

        register_widget(RECENT)
