"""SQLite tuning for the few jobs that touch much of a big table at once (imports)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

BULK_JOB_CACHE_KIB = 262_144  # 256 MiB, against the 64 MiB every connection gets (settings.DATABASES)


@contextmanager
def larger_page_cache(using: str = "default") -> Iterator[None]:
    """A bigger page cache for this connection while the block runs.

    Why: inserting 100,000 rows into a table of a million touches random pages of each of its indexes; with the
    usual 64 MiB they are read, evicted and read again. Only the job's connection gets more, and only for the
    job, so web workers stay small. Other databases: nothing to do."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{BULK_JOB_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")
