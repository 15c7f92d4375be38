from django.apps import AppConfig


class TestingAppConfig(AppConfig):
    name = "crm.testing_app"
    label = "testing_app"
    verbose_name = "Testing app"

    def ready(self) -> None:
        from django import forms

        from crm.accounts.role_settings import RoleSetting, most_generous, register_role_setting
        from crm.audit.registry import register_audit
        from crm.core.permissions import Module, register_module
        from crm.system.dictionaries import register_kind

        register_module(Module(code="testing_app", label="Projects",
                               protected_fields={"testing_app.project": ("budget",)}))
        register_kind("project_status", "Project statuses",
                      [("open", "进行中", "Open"), ("done", "已完成", "Done")])
        register_audit(record_types=("testing_app.project", "testing_app.milestone"),
                       actions={"archive": "Archived"})
        register_role_setting(RoleSetting(
            code="testing_app.max_budget", label="Largest project budget",
            field=lambda: forms.IntegerField(min_value=0, required=False), combine=most_generous))
