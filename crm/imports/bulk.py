"""Fast lookups and writes for importers: any model, many rows, few statements.

An importer looks values up with ``select_in`` and writes model instances (their derived columns filled by the
model's own ``fill_derived()``) with ``insert_objects`` (crm.core.bulk, shared with the audit trail's bulk
writers). Both are plain SQL on purpose: the ORM prepares each of the ~200,000 values of a large file one by
one, through every field, which costs more than the statements themselves (see docs/import.md, "Speed").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connections, models, router

from crm.core import bulk
from crm.core.bulk import insert_objects

__all__ = ["LOOKUP_CHUNK", "chunks", "insert_objects", "select_all", "select_in"]

# Values per IN (...): fewer, larger queries are cheaper (a third less time than 900 at a time), within the
# database's parameter limit (SQLite builds before 3.32 allow only 999).
LOOKUP_CHUNK = 5000


def chunks(items: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    return bulk.chunks(items, size)


def select_all(model: type[models.Model], sql: str, params: list[Any]) -> list[tuple]:
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_in(model: type[models.Model], sql: str, values: list[Any], *params: Any) -> list[tuple]:
    """Runs ``sql`` — with ``IN ({})`` for the values — in chunks, and returns every row. Each query should be
    the one ``model.objects.filter(x__in=…)`` would run: a search of the column's own index."""
    connection = connections[router.db_for_read(model)]
    rows: list[tuple] = []
    size = LOOKUP_CHUNK
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        size = min(size, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(params))
    if connection.vendor == "postgresql" and sql.count(" IN ({})") == 1:
        # One array parameter, ``= ANY(…)`` (an index search as IN is): psycopg parses a statement of thousands
        # of placeholders anew each time, too long for its cache.
        sql, one_array = sql.replace(" IN ({})", " = ANY(%s)"), True
    else:
        one_array = False
    with connection.cursor() as cursor:
        for chunk in chunks(values, size):
            if one_array:
                cursor.execute(sql, [*params, list(chunk)])
            else:
                cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), [*params, *chunk])
            rows += cursor.fetchall()
    return rows
