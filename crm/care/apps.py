from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "crm.care"
    label = "care"
    verbose_name = _("Customer care")

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register_nav
        from crm.core.permissions import Module, register_module

        # Plans send mail to customers in the company's name: the demo roles give this to managers and admins.
        register_module(Module(code="care", label=_("Customer care"), actions=("view", "create", "edit", "delete")))
        register_nav(NavItem(_("Customer care"), "care:plans", "gift", module="care", order=40))

        from crm.audit.registry import register_audit

        register_audit(record_types=("care.careplan", "care.greetingday"))

        from crm.care.personal_data import GREETINGS
        from crm.customers.services.personal_data import register_personal_data

        register_personal_data(GREETINGS)
