from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from crm.accounts import signals  # noqa: F401  (log-in / log-out audit)
        from crm.core.permissions import Module, register_module

        # System management: users, departments, roles, dictionaries, settings, audit.
        register_module(Module(code="system", label=_("System management"),
                               actions=("view", "create", "edit", "delete"), admin_only=True))
