from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.core.permissions import Module, register_module

        register_module(Module(
            code="customers",
            label=_("Customers"),
            protected_fields={"customers.customer": ("phone", "email", "address", "remark")},
        ))
