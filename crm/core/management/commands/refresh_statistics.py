"""``crm refresh_statistics``: refresh the query planner's statistics now (also done nightly by the task queue).

Run it after loading a lot of data at once (``crm bench-data``, a large import into a new installation)."""

import time

from django.core.management.base import BaseCommand

from crm.core.tasks import refresh_query_statistics


class Command(BaseCommand):
    help = "Refresh the database's query-planner statistics (SQLite ANALYZE / PostgreSQL ANALYZE)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        refresh_query_statistics()
        self.stdout.write(f"Statistics refreshed in {time.perf_counter() - started:.1f} s.")
