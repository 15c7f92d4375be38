"""Upkeep of the database itself."""

from __future__ import annotations

from django.db import connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.signals import SIGNAL_ERROR


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


@db_periodic_task(crontab())
def heartbeat() -> None:
    """Every minute: tells the admin's home page (the task-queue widget) that a worker is running."""
    from django.utils import timezone

    from crm.core.widgets import HEARTBEAT_KEY

    HUEY.put(HEARTBEAT_KEY, timezone.now())


@HUEY.signal(SIGNAL_ERROR)
def remember_failure(signal, task, exc=None) -> None:
    """Keeps the last task that failed (a put replaces the one before), for the task-queue widget; the log has
    every one."""
    from django.utils import timezone

    from crm.core.widgets import LAST_ERROR_KEY

    HUEY.put(LAST_ERROR_KEY, {"task": task.name, "error": exc.__class__.__name__ if exc else "", "at": timezone.now()})
