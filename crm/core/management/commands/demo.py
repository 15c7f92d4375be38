"""`crm demo`: the demo organisation, then each app's own demo data (an app adds a ``demo.py`` with ``load``)."""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from crm.accounts.demo import load_organisation


class Command(BaseCommand):
    help = "Load the Chinese demo organisation and demo data. Safe to run again: existing data is kept."

    def handle(self, *args, **options):
        password = settings.CRM_DEMO_PASSWORD
        users = load_organisation(password)
        for app in apps.get_app_configs():
            if not app.name.startswith("crm.") or app.label == "accounts":
                continue
            try:
                module = import_module(f"{app.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.demo":
                    raise
                continue
            module.load(users)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Users: {', '.join(users)} — password: {password}"
        ))
