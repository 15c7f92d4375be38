"""Inserting many rows of any model fast: one prepared statement for all of them.

Used by whatever writes in bulk — an import's customers and contacts, the audit trail's bulk writers. Callers
fill derived columns first (the model's ``fill_derived()``): bulk inserts never call ``save()``.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone

_M = TypeVar("_M", bound=models.Model)

# Fields whose Python value is already what the database stores: no preparation per value.
_STORED_AS_IS = (models.CharField, models.EmailField, models.TextField, models.BooleanField, models.IntegerField,
                 models.ForeignKey)


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _preparer(field: models.Field, connection) -> Any:
    if type(field) in _STORED_AS_IS:  # exactly these classes: a subclass (encrypted text) prepares its own
        return None
    if type(field) is models.JSONField:
        # What JSONField.get_db_prep_save() comes to for a plain value (the audit trail's changes, one per row),
        # without the three calls around it: the backend's own adaptation, with the field's encoder.
        encoder, adapt = field.encoder, connection.ops.adapt_json_value
        return lambda value: None if value is None else adapt(value, encoder)
    return lambda value: field.get_db_prep_save(value, connection)


def insert_objects(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Inserts unsaved instances of ``model`` and sets their primary keys, as ``bulk_create`` would; callers
    fill derived columns first (``fill_derived()``: bulk inserts never call save()).

    One prepared INSERT for every row (executemany) rather than bulk_create, which prepares every value of
    every object through its field (a third of a large import's time): here only the fields that need it
    (dates, encrypted text…) prepare their values, and ``auto_now``/``auto_now_add`` fields get one timestamp
    per call. On SQLite the ids of the rows inserted are consecutive — one writer at a time, AUTOINCREMENT ids —
    and are counted back from the last one; elsewhere they come back from multi-row INSERTs (RETURNING).
    """
    if not objects:
        return
    now = timezone.now()
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objects:
                setattr(obj, f.attname, now)
    alias = router.db_for_write(model)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ids = _insert_columns(model, alias, fields, [list(map(attrgetter(f.attname), objects)) for f in fields])
    for obj, new_id in zip(objects, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = alias


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Inserts rows given as {attname: value} — no instances at all, for writers of many plain rows (the audit
    trail's bulk writers) — and returns their ids in order. Columns left out get the field's default;
    ``auto_now``/``auto_now_add`` fields one timestamp per call."""
    if not rows:
        return []
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns: list[list[Any]] = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            columns.append([now] * len(rows))
        else:
            make = f.get_default if f.has_default() and callable(f.default) else None
            default = None if make else f.get_default()
            columns.append([row[f.attname] if f.attname in row else (make() if make else default) for row in rows])
    return _insert_columns(model, router.db_for_write(model), fields, columns)


def _insert_columns(model: type[models.Model], alias: str, fields: list, columns: list[list[Any]]) -> list[int]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    prepared_columns = []
    for f, values in zip(fields, columns, strict=True):
        prepare = _preparer(f, connection)
        if prepare is not None:
            cache: dict[Any, Any] = {}  # a batch's timestamps and defaults repeat: prepare each once
            prepared = []
            for value in values:
                try:
                    prepared.append(cache[value])
                except (KeyError, TypeError):
                    result = prepare(value)
                    if len(cache) < 64 and isinstance(value, int | str | dt.date | None):
                        cache[value] = result
                    prepared.append(result)
            values = prepared
        prepared_columns.append(values)
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk_column = quote(str(model._meta.pk.column))
    if connection.vendor == "postgresql":
        return _insert_arrays(connection, table, fields, prepared_columns, pk_column)
    rows = list(zip(*prepared_columns, strict=True))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {marks}", rows)
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
            ids = list(range(last - len(rows) + 1, last + 1))
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {pk_column} BETWEEN %s AND %s", [ids[0], last])
            if cursor.fetchone()[0] != len(rows):
                raise RuntimeError(f"{table}: the inserted rows do not have consecutive ids")
        else:
            ids = []
            per_statement = max(1, (connection.features.max_query_params or 65_535) // len(fields))
            for batch in chunks(rows, per_statement):
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(batch))} "
                    f"RETURNING {pk_column}",
                    [value for row in batch for value in row],
                )
                ids += [row[0] for row in cursor.fetchall()]
    return ids


# Rows per INSERT on PostgreSQL: one array per column, so the statement stays short whatever the count.
ARRAY_ROWS = 5000


def _insert_arrays(connection, table: str, fields: list, columns: list[list[Any]], pk_column: str) -> list[int]:
    """PostgreSQL: the rows as one array per column, unnested into the table — a statement of one parameter per
    column rather than one per value. (A multi-row VALUES list of 65,000 placeholders is parsed again by psycopg
    for every statement, as it is too long for its cache: 0.3 s a statement, 70 s of a 100,000-row import.)

    ``WITH ORDINALITY … ORDER BY`` inserts the rows in the arrays' order, so the ids the sequence hands out rise
    in that order and, sorted, say which row got which whatever order RETURNING lists them in."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    aliases = [f"c{i}" for i in range(len(fields))]
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    sql = (f"INSERT INTO {table} ({names}) SELECT {', '.join(aliases)} FROM unnest({arrays}) "
           f"WITH ORDINALITY AS given({', '.join(aliases)}, position) ORDER BY position RETURNING {pk_column}")
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(columns[0]), ARRAY_ROWS):
            cursor.execute(sql, [column[start : start + ARRAY_ROWS] for column in columns])
            ids += sorted(row[0] for row in cursor.fetchall())
    return ids


class InstanceBuilder(Generic[_M]):
    """Makes unsaved instances of ``model`` from {attname: value}, with the fields' defaults for the rest — about
    ten times faster than ``Model(**kwargs)``, which counts at 100,000 rows. ``related`` objects (``owner=user``)
    set the foreign key and its cache, so ``str()`` of the relation (the audit snapshot) costs no query.

    When every field is a plain attribute (no descriptor of its own, as for file fields) and nothing listens to
    ``pre_init``/``post_init``, the instance is made as ``Model.__init__`` would leave it — its state, then the
    values in its ``__dict__`` — without the per-field ``setattr``; otherwise through the positional
    ``Model(*values)`` (the form Django uses for rows it reads)."""

    def __init__(self, model: type[_M]):
        self.model = model
        fields = model._meta.concrete_fields
        self.names = [f.attname for f in fields]
        # A callable default (dict, timezone.now) is called for each instance; any other is computed once.
        made = {f.attname for f in fields if f.has_default() and callable(f.default)}
        self.defaults = {f.attname: f.get_default() for f in fields if f.attname not in made}
        self.made_defaults = {f.attname: f.get_default for f in fields if f.attname in made}
        self.relations: dict[str, Any] = {f.name: f for f in fields if f.is_relation}
        self.known = frozenset(self.names)
        plain = all(type(inspect.getattr_static(model, name, None)) in _PLAIN_DESCRIPTORS for name in self.names)
        self.direct = plain and not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))

    def __call__(self, values: dict[str, Any], **related: models.Model | None) -> _M:
        row = {**self.defaults, **{name: make() for name, make in self.made_defaults.items()}, **values}
        for name, obj in related.items():
            row[self.relations[name].attname] = obj.pk if obj is not None else None
        if self.direct and row.keys() <= self.known:
            # The row is exactly the instance's attributes: it becomes the instance's __dict__ as it is.
            instance = self.model.__new__(self.model)
            row["_state"] = ModelState()
            instance.__dict__ = row
        else:
            instance = self.model(*[row[name] for name in self.names])
        for name, obj in related.items():
            self.relations[name].set_cached_value(instance, obj)
        return instance


# What a concrete field's attribute is on its model when setting it is a plain write into the instance's __dict__.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)
