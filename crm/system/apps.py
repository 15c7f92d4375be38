from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "crm.system"
    label = "system"
    verbose_name = "System"
