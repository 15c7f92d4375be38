from django.apps import AppConfig


class TestingAppConfig(AppConfig):
    """Plugs into every extension point of docs/architecture.md from this app's own files, as a new module does."""

    name = "crm.testing_app"
    label = "testing_app"
    verbose_name = "Testing app"

    def ready(self) -> None:
        from django import forms

        from crm.accounts.role_settings import RoleSetting, most_generous, register_role_setting
        from crm.audit.registry import register_audit
        from crm.core.dashboard import register_widget
        from crm.core.navigation import NavItem, register_nav
        from crm.core.panels import register_panel
        from crm.core.permissions import Module, register_module
        from crm.core.search import register_search
        from crm.core.timeline import register_timeline
        from crm.customers.services.merge import register_merge_hook
        from crm.customers.services.personal_data import register_personal_data
        from crm.system.dictionaries import register_kind
        from crm.system.numbering import register_sequence
        from crm.testing_app import merge, panels, personal_data, search, services, timeline, widgets

        register_module(Module(code="testing_app", label="Projects",
                               protected_fields={"testing_app.project": ("budget", "status")}))
        register_kind("project_status", "Project statuses",
                      [("open", "进行中", "Open"), ("done", "已完成", "Done")])
        register_audit(record_types=("testing_app.project", "testing_app.milestone", "testing_app.deal"),
                       actions={"archive": "Archived"})
        register_role_setting(RoleSetting(
            code=services.BUDGET_LIMIT, label="Largest project budget",
            field=lambda: forms.IntegerField(min_value=0, required=False), combine=most_generous))
        register_sequence(services.NUMBER_SEQUENCE, "Project number", default_prefix="PRJ", date_part="year",
                          reset="yearly", padding=4, column="testing_app.Project.number")
        register_nav(NavItem("Projects", "testing_app:project_list", "kanban", module="testing_app", order=90))
        register_search(search.PROVIDER)
        register_timeline("testing_app.project", timeline.milestones)
        register_panel("customers.customer", panels.CUSTOMER_DEALS)
        register_widget(widgets.MY_PROJECTS)
        register_personal_data(personal_data.PROVIDER)
        register_merge_hook("testing_app.deals", merge.deals_after_merge)

        from crm.notifications.messages import register_message_kind
        from crm.testing_app.messages import MILESTONE_DUE, NEW_MILESTONE, NOTE

        register_message_kind(NEW_MILESTONE)
        register_message_kind(MILESTONE_DUE)
        register_message_kind(NOTE)
