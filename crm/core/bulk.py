"""Inserting many rows of any model fast: one prepared statement for all of them.

Used by whatever writes in bulk — an import's customers and contacts, the audit trail's bulk writers. Callers
fill derived columns first (the model's ``fill_derived()``): bulk inserts never call ``save()``.
"""

from __future__ import annotations

import datetime as dt
import inspect
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
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
    ids = _insert_columns(model, alias, fields, [[getattr(obj, f.attname) for obj in objects] for f in fields])
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
    rows = list(zip(*prepared_columns, strict=True))
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk_column = quote(str(model._meta.pk.column))
    behind = _writers.get(id(connection))
    with connection.cursor() as cursor:
        if behind is not None:
            # The ids are handed out here and the INSERT runs on the helper thread (see write_behind()).
            first = behind.next_id(cursor, model._meta.db_table, len(rows))
            ids = list(range(first, first + len(rows)))
            behind.submit(
                f"INSERT INTO {table} ({pk_column}, {names}) VALUES (%s, {marks[1:]}",
                [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
            )
        elif connection.vendor == "sqlite":
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


class _WriteBehind:
    """The INSERTs of insert_objects()/insert_values() run one after the other on a helper thread while the caller
    prepares the next rows; any other statement on the connection first waits for them (an execute wrapper)."""

    def __init__(self, connection, tables: Sequence[str]):
        self.connection = connection
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-behind")
        self.pending: list[Future] = []
        self.tables = list(tables)
        self.next_ids: dict[str, int] = {}
        self.counting = False
        self.on_helper = threading.local()

    def submit(self, sql: str, rows: list[tuple]) -> None:
        self.pending.append(self.executor.submit(self._insert, sql, rows))

    def _insert(self, sql: str, rows: list[tuple]) -> None:
        self.on_helper.active = True
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def wait(self) -> None:
        """Until every INSERT submitted has run; the first one's error, if any, is raised here."""
        pending, self.pending = self.pending, []
        for done, future in enumerate(pending):
            try:
                future.result()
            except BaseException:
                for later in pending[done + 1 :]:  # the transaction is lost: nothing more to write
                    later.cancel()
                raise

    def next_id(self, cursor, table: str, count: int) -> int:
        """The first of ``count`` ids for new rows of ``table``: those the next INSERTs would be given (one writer
        holds the database inside the transaction; AUTOINCREMENT never reuses an id), counted on here until
        another statement runs on the connection (it might insert too). The tables named to write_behind() are
        counted all at once, so that moving from one to the next does not wait for the INSERTs under way."""
        if table not in self.next_ids:
            self.counting = True
            try:
                for name in dict.fromkeys([table, *self.tables]):
                    if name not in self.next_ids:
                        cursor.execute(
                            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                            f"coalesce((SELECT max(rowid) FROM {self.connection.ops.quote_name(name)}), 0))",
                            [name],
                        )
                        self.next_ids[name] = cursor.fetchone()[0] + 1
            finally:
                self.counting = False
        first = self.next_ids[table]
        self.next_ids[table] += count
        return first

    def __call__(self, execute, sql, params, many, context):
        if not getattr(self.on_helper, "active", False):
            self.wait()
            if not self.counting:
                self.next_ids.clear()
        return execute(sql, params, many, context)


_writers: dict[int, _WriteBehind] = {}


@contextmanager
def write_behind(*models_written: type[models.Model], using: str = "default") -> Iterator[None]:
    """Inside the block (and its transaction), on SQLite, the bulk INSERTs of insert_objects() and insert_values()
    run on a helper thread while the caller goes on preparing the next rows — Python work and SQLite's own
    (which lets go of the GIL) overlap on two cores. The ids of the new rows are handed out before the INSERT
    runs (AUTOINCREMENT, one writer), so the caller never waits for them; any other statement on the connection
    waits until the INSERTs before it have run, and so does the end of the block. An INSERT's error is raised
    by the next statement or at the end of the block, inside the transaction, which is then rolled back.
    ``models_written``: the models the block inserts into, whose ids are counted together. Other databases:
    nothing changes (multi-row INSERT … RETURNING, in the caller's thread)."""
    connection = connections[using]
    if connection.vendor != "sqlite" or id(connection) in _writers:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("write_behind() needs a transaction")
    behind = _WriteBehind(connection, [model._meta.db_table for model in models_written])
    connection.inc_thread_sharing()
    _writers[id(connection)] = behind
    try:
        with connection.execute_wrapper(behind):
            try:
                yield
            finally:
                behind.wait()
    finally:
        del _writers[id(connection)]
        behind.executor.shutdown(wait=True)
        connection.dec_thread_sharing()


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
        plain = all(type(inspect.getattr_static(model, name, None)) in _PLAIN_DESCRIPTORS for name in self.names)
        self.direct = plain and not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))

    def __call__(self, values: dict[str, Any], **related: models.Model | None) -> _M:
        row = {**self.defaults, **{name: make() for name, make in self.made_defaults.items()}, **values}
        for name, obj in related.items():
            row[self.relations[name].attname] = obj.pk if obj is not None else None
        if self.direct:
            instance = self.model.__new__(self.model)
            instance._state = ModelState()
            instance.__dict__.update({name: row[name] for name in self.names})
        else:
            instance = self.model(*[row[name] for name in self.names])
        for name, obj in related.items():
            self.relations[name].set_cached_value(instance, obj)
        return instance


# What a concrete field's attribute is on its model when setting it is a plain write into the instance's __dict__.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)
