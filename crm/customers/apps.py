from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

NUMBER_SEQUENCE = "customers.customer"


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register_nav
        from crm.core.permissions import Module, register_module
        from crm.core.search import register_search
        from crm.customers.search import CONTACTS, PROVIDER

        register_module(Module(
            code="customers",
            label=_("Customers"),
            protected_fields={"customers.customer": ("phone", "email", "address", "remark")},
        ))
        register_nav(
            NavItem(_("Customers"), "customers:list", "building", module="customers", order=10),
            NavItem(_("Follow-ups due"), "customers:due", "telephone", module="customers", order=15),
            NavItem(_("Duplicates"), "customers:duplicates", "intersect", module="customers", action="edit",
                    order=17),
        )
        register_search(PROVIDER)
        register_search(CONTACTS)

        from crm.system.numbering import register_sequence

        # 客户编号 KH2026-000001; admins change the format under System → Document numbers.
        register_sequence(NUMBER_SEQUENCE, _("Customer number"), default_prefix="KH", date_part="year",
                          reset="yearly", padding=6, column="customers.Customer.number")

        from crm.core.timeline import register_timeline
        from crm.customers import timeline

        register_timeline("customers.customer", timeline.activities)
        register_timeline("customers.customer", timeline.field_changes)

        from crm.customers.services.merge import merge_timeline

        register_timeline("customers.customer", merge_timeline)

        from crm.customers.services.pool import pool_timeline

        register_timeline("customers.customer", pool_timeline)
        register_nav(
            NavItem(_("Public pool"), "customers:pool", "inboxes", module="customers", action="pool", order=16),
            NavItem(_("Pool and lifecycle rules"), "customers:pool_rules", "sliders", module="system",
                    section="admin", order=68),
        )
