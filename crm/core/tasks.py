"""Upkeep of the database itself."""

from __future__ import annotations

from django.db import connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


def refresh_query_statistics(using: str = "default") -> None:
    """Refreshes the statistics the database's query planner chooses indexes by.

    SQLite keeps none until told: without them it guesses that ``owner_id = ?`` matches ten rows and sorts a
    rep's 170,000 customers for a page of 50 (350 ms) instead of walking the list-order index (under 1 ms).
    ``PRAGMA analysis_limit`` is left off on purpose: a sample caps every "rows per value" at its own size, which
    told the planner that ``deleted_at IS NULL`` picks out 1,001 customers of a million, and lists got slower
    than with no statistics at all. PostgreSQL's autovacuum analyses on its own; an explicit ANALYZE is harmless.
    """
    connection = connections[using]
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@db_periodic_task(crontab(minute="40", hour="3"))
def refresh_query_statistics_nightly() -> None:
    refresh_query_statistics()
