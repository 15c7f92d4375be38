from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

NUMBER_SEQUENCE = "customers.customer"


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.core.navigation import NavItem, register_nav
        from crm.core.permissions import DEFAULT_ACTIONS, Module, register_action, register_module
        from crm.core.search import register_search
        from crm.customers.dictionaries import register_dictionaries
        from crm.customers.search import CONTACTS, PROVIDER

        register_action("pool", _("Use the public pool"))
        register_module(Module(
            code="customers",
            label=_("Customers"),
            actions=(*DEFAULT_ACTIONS, "pool"),
            protected_fields={"customers.customer": ("phone", "email", "address", "remark")},
        ))
        register_dictionaries()

        from crm.accounts.role_settings import register_role_setting
        from crm.customers.role_settings import POOL_CLAIM_LIMIT

        register_role_setting(POOL_CLAIM_LIMIT)

        from crm.audit.registry import register_audit
        from crm.customers.models import PoolAuditAction

        register_audit(
            record_types=("customers.customer", "customers.contact", "customers.activity", "customers.poolrule",
                          "customers.lifecyclepolicy"),
            actions=dict(PoolAuditAction.choices),
        )
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

        from crm.core.panels import register_panel
        from crm.customers import panels

        register_panel("customers.customer", panels.CONTACTS)
        register_panel("customers.customer", panels.DUPLICATES)

        from crm.core.dashboard import register_widget
        from crm.customers import widgets

        for widget in widgets.WIDGETS:
            register_widget(widget)

        from crm.customers.messages import KINDS
        from crm.notifications.messages import register_message_kind

        for kind in KINDS:
            register_message_kind(kind)

        from crm.customers.services import personal_data

        for provider in (personal_data.CONTACT, personal_data.FOLLOW_UPS, personal_data.REMINDERS,
                         personal_data.CUSTOMER_TEXTS):
            personal_data.register_personal_data(provider)
        register_nav(
            NavItem(_("Public pool"), "customers:pool", "inboxes", module="customers", action="pool", order=16),
            NavItem(_("Pool and lifecycle rules"), "customers:pool_rules", "sliders", module="system",
                    section="admin", order=68),
        )
