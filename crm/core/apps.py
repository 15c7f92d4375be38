from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Home"), "home", "house", order=0))
