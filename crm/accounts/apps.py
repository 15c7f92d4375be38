from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from crm.accounts import signals  # noqa: F401  (log-in / log-out audit)

        # System management: users, departments, roles, dictionaries, settings, audit.
        from crm.core.navigation import NavItem, register_nav
        from crm.core.permissions import Module, register_module

        register_module(Module(code="system", label=_("System management"),
                               actions=("view", "create", "edit", "delete"), admin_only=True))
        register_nav(
            NavItem(_("Users"), "accounts:user_list", "people", module="system", section="admin", order=10),
            NavItem(_("Departments"), "accounts:department_list", "diagram-3", module="system", section="admin",
                    order=20),
            NavItem(_("Roles"), "accounts:role_list", "shield-lock", module="system", section="admin", order=30),
        )

        from crm.audit.registry import register_audit

        register_audit(record_types=("accounts.user", "accounts.department", "accounts.role"))

        from crm.accounts.widgets import SIGN_IN_SECURITY
        from crm.core.dashboard import register_widget

        register_widget(SIGN_IN_SECURITY)
        register_audit(actions={"sign_in_unlock": _("Unlocked sign-in")})
