"""The index behind global search: an entity's ``search_text`` column (name, pinyin, initials, phone, e-mail, in
lower case) is matched through an index, never by scanning the table. docs/adr/0003-search-index.md has the why
and the figures.

SQLite — a contentless FTS5 table ``<table>_search`` with the trigram tokenizer over ``" " + search_text + "  "``
(the padding gives every word start and the last characters a trigram of their own), kept in sync by triggers
on the model's table, and an fts5vocab table ``<table>_search_terms`` listing its trigrams. A query word of
three or more characters is the phrase of its trigrams: an exact substring match. Shorter words form no trigram:

- Chinese (and other scripts written without spaces), one or two characters: every indexed trigram that starts
  with them, read from the term list and OR-ed — still a substring match (云帆 in 杭州云帆科技, 张 in 张三);
- Latin letters, digits and signs, one or two characters: the start of a word (``" zs"`` is a trigram), so
  ``zs`` finds the initials of 张三, ``13`` the phones starting with 13, not every ``…zs…`` inside a pinyin run.

PostgreSQL — a pg_trgm GIN index on the column, used by the same conditions written as ``LIKE``.

A module makes its entity searchable with a ``search_text`` column (see ``crm.core.pinyin.search_text``), the
migration operation ``CreateSearchIndex("model_name")`` and a provider calling :func:`find_matches` on its
scoped queryset (see ``crm.customers.search``).

Fields a role may be denied (a customer's phone and e-mail) stay out of ``search_text``: the model names them in
``search_index_fields`` and the index holds each as a column of its own (``CreateSearchIndex("customer",
fields=("phone", "email"))``: more columns of the same FTS5 table, another trigram index on PostgreSQL). A query
reads only the columns the user may search (``crm.core.fieldperms.unsearchable_fields``), so a hidden phone can be
neither found nor guessed digit by digit from hits and misses, and the search stays one index lookup.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from django.db import connections
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

MAX_WORDS = 8
MAX_WORD_LENGTH = 64
# A one-character word can start hundreds of trigrams; past this many (in code-point order) the rest are left out.
MAX_TERMS = 1000
# Index matches are read newest first in growing chunks and checked against the user's scope, at most
# INDEX_BUDGET of them: a query matching most of a million rows still answers in tens of milliseconds.
FIRST_CHUNK = 200
MAX_CHUNK = 4000
INDEX_BUDGET = 40_000


# --- query words -----------------------------------------------------------------------------------------------


def search_words(query: str) -> list[str]:
    """The words of a query as the index sees them: lower case, control characters (NUL …) dropped, at most
    ``MAX_WORDS`` of ``MAX_WORD_LENGTH`` characters. Every word must match."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in query.lower())
    return list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in cleaned.split()))[:MAX_WORDS]


def _written_without_spaces(word: str) -> bool:
    # CJK radicals onwards: Chinese, Japanese and Korean run words together, so a "word start" means nothing.
    return any(ord(ch) >= 0x2E80 for ch in word)


def _matches_word_start(word: str) -> bool:
    """Short Latin words match the start of a word; everything else matches anywhere."""
    return len(word) < 3 and not _written_without_spaces(word)


def like_conditions(column: str | list[str], words: list[str]) -> Q:
    """The same matching as the index, as LIKE conditions (PostgreSQL's trigram indexes serve them): every word
    in one of the columns."""
    columns = [column] if isinstance(column, str) else column
    condition = Q()
    for word in words:
        either = Q()
        for name in columns:
            if _matches_word_start(word):
                either |= Q(**{f"{name}__startswith": word}) | Q(**{f"{name}__contains": f" {word}"})
            else:
                either |= Q(**{f"{name}__contains": word})
        condition &= either
    return condition


def searched_columns(model: type[Model], user, column: str = "search_text",
                     fields: Collection[str] | None = None) -> list[str]:
    """The index columns a query of ``user`` reads: ``column`` (what anyone who sees the record may search by:
    name, pinyin, number) and each of the model's ``search_index_fields`` that the user may search by and, when
    ``fields`` is given, that the door shows (the pool shows no phone)."""
    from crm.core.fieldperms import unsearchable_fields

    denied = unsearchable_fields(user, model)
    return [column, *(name for name in getattr(model, "search_index_fields", ())
                      if name not in denied and (fields is None or name in fields))]


# --- finding matches -------------------------------------------------------------------------------------------


def find_matches(
    queryset: QuerySet, query: str, limit: int, *, user, fields: Collection[str] | None = None,
    column: str = "search_text", name_field: str | None = "name"
) -> list[int]:
    """Ids of up to ``limit`` records of ``queryset`` whose indexed text matches every word of ``query``, best
    first: the name exactly as typed, names starting with the query, names containing it, then other matches
    (pinyin, phone, e-mail); newest first within each group.

    Only what ``user`` may search by is matched (``searched_columns``; ``fields``: the fields the door shows):
    a role denied the phone finds nobody by their phone.

    ``queryset`` is what the user may see (``visible_to``; soft-deleted rows hidden by the manager), and only its
    records come back. Load them with the model's plain manager (``Model.objects.in_bulk(ids)``): they are
    already checked, and that query cannot fall into a slow plan.
    """
    words = search_words(query)
    if not words or limit < 1:
        return []
    from crm.core.fieldperms import unsearchable_fields

    columns = searched_columns(queryset.model, user, column, fields)
    if name_field and (name_field in unsearchable_fields(user, queryset.model)
                       or (fields is not None and name_field not in fields)):
        name_field = None
    values = ["pk", name_field] if name_field else ["pk"]
    if connections[queryset.db].vendor == "sqlite":
        every_column = columns == [column, *getattr(queryset.model, "search_index_fields", ())]
        matches = _sqlite_matches(queryset, None if every_column else columns, words, values, limit)
    else:
        matches = list(
            queryset.filter(like_conditions(columns, words)).order_by("-pk").values_list(*values)[: limit * 3]
        )
    matches = list(dict.fromkeys([*_exact_name_matches(queryset, name_field, query.strip(), limit), *matches]))
    needle = " ".join(words)

    def rank(match: tuple) -> tuple[int, int]:
        name = str(match[1]).lower() if name_field else ""
        group = 0 if name == needle else 1 if name.startswith(needle) else 2 if needle in name else 3
        return group, -match[0]

    return [match[0] for match in sorted(matches, key=rank)[:limit]]


def search_list(queryset: QuerySet, terms: str, *, user, fields: Collection[str] | None = None) -> QuerySet:
    """A list narrowed by its search box through the search index, never a LIKE scan of every row: the best
    matches, as many as the list counts (``CRM_LIST_COUNT_CAP``, and one more to say "500+"), on what ``user``
    may search by only. A list that short is sorted by the database (see crm/core/pagination.py); past that the
    user narrows the search. Asking no more than the count shows keeps a common word (盛世, 公司) as fast as a
    rare one."""
    from crm.core.pagination import count_cap
    from crm.core.querysets import among_ids

    return among_ids(queryset, find_matches(queryset, terms, count_cap() + 1, user=user, fields=fields))


def in_scope(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """The records with these ids that ``queryset`` holds.

    Written as "these rows, where a row of the queryset with the same id exists" on purpose: each check is then a
    primary-key lookup. ``queryset.filter(pk__in=ids)`` lets SQLite, which keeps no statistics unless ANALYZE
    ran, start from an index on one of the scope's conditions instead (it once walked a million customers through
    ``deleted_at IS NULL`` to reach 200 contacts: 37 s).
    """
    from crm.core.querysets import id_set

    model = queryset.model
    return (model._base_manager.using(queryset.db).filter(pk__in=id_set(ids, queryset.db))
            .filter(Exists(queryset.filter(pk=OuterRef("pk")))))


def _exact_name_matches(queryset: QuerySet, name_field: str | None, name: str, limit: int) -> list[tuple]:
    # Only through a database index on the name: the exact hit may be older than every index match read.
    if not name_field or not name or not queryset.model._meta.get_field(name_field).db_index:
        return []
    ids = list(
        queryset.model._base_manager.using(queryset.db)
        .filter(**{name_field: name})
        .values_list("pk", flat=True)[:limit]
    )
    return list(in_scope(queryset, ids).values_list("pk", name_field)) if ids else []


def _sqlite_matches(queryset: QuerySet, columns: list[str] | None, words: list[str], fields: list[str],
                    limit: int) -> list[tuple]:
    """Read index matches newest first, chunk by chunk, keeping those in the queryset, until ``limit`` are found.

    Stopping early keeps a query that matches most rows (公司, 有限) as fast as a rare one. A user who sees
    very few of very many matches gets those among the newest ``INDEX_BUDGET`` matches: typing more narrows it."""
    table = queryset.model._meta.db_table
    with connections[queryset.db].cursor() as cursor:
        expression = _match_expression(cursor, table, words, columns)
        if expression is None:
            return []
        found: list[tuple] = []
        before, size, read = None, FIRST_CHUNK, 0
        while len(found) < limit and read < INDEX_BUDGET:
            ids = _index_ids(cursor, table, expression, before, size)
            if ids:
                found += in_scope(queryset, ids).order_by("-pk").values_list(*fields)[: limit * 3 - len(found)]
            read += len(ids)
            if len(ids) < size:
                break
            before, size = ids[-1], min(size * 4, MAX_CHUNK)
    return found


def _quoted(text: str) -> str:
    """An FTS5 string: inside double quotes nothing is syntax (AND, *, ^, :, parentheses); quotes are doubled."""
    return '"' + text.replace('"', '""') + '"'


def _match_expression(cursor, table: str, words: list[str], columns: list[str] | None) -> str | None:
    """The FTS5 MATCH expression for the words in the given columns of the index (None: all of them), or None
    when a word matches nothing at all."""
    parts = []
    for word in words:
        if len(word) >= 3:
            parts.append(_quoted(word))
        elif _matches_word_start(word) and len(word) == 2:
            parts.append(_quoted(f" {word}"))  # a space and two characters: one trigram
        else:
            prefix = f" {word}" if _matches_word_start(word) else word
            cursor.execute(
                f'SELECT term FROM "{table}_search_terms" WHERE term >= %s AND term <= %s LIMIT %s',
                [prefix, prefix + "\U0010ffff", MAX_TERMS],
            )
            terms = [row[0] for row in cursor.fetchall()]
            if not terms:
                return None
            parts.append("(" + " OR ".join(_quoted(term) for term in terms) + ")")
    expression = " AND ".join(parts)
    if columns is None:
        return expression
    # A column filter: each word must match in one of these columns; the others are not read at all.
    return "{" + " ".join(_quoted(name) for name in columns) + "} : (" + expression + ")"


def _index_ids(cursor, table: str, expression: str, before: int | None, size: int) -> list[int]:
    below = "AND rowid < %s " if before is not None else ""
    cursor.execute(
        f'SELECT rowid FROM "{table}_search" WHERE "{table}_search" MATCH %s {below}ORDER BY rowid DESC LIMIT %s',
        [expression, *([before] if before is not None else []), size],
    )
    return [row[0] for row in cursor.fetchall()]


# --- creating and keeping the index ----------------------------------------------------------------------------

def _columns_sql(columns: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in columns)


def _padded(columns: list[str], row: str = "") -> str:
    # Every word start and the last characters get a trigram of their own (see the module docstring).
    prefix = f"{row}." if row else ""
    return ", ".join(f"' ' || coalesce({prefix}\"{name}\", '') || '  '" for name in columns)


def _sqlite_index_sql(table: str, columns: list[str]) -> list[str]:
    fts = f"{table}_search"
    # Contentless: the table only answers "which rowids match"; the triggers pass old values padded the same way
    # as they were indexed, which is what FTS5 needs to remove them.
    return [
        f"CREATE VIRTUAL TABLE \"{fts}\" USING fts5({_columns_sql(columns)}, tokenize='trigram', content='', "
        "columnsize=0)",
        f'CREATE VIRTUAL TABLE "{fts}_terms" USING fts5vocab("{fts}", \'row\')',
        *_sqlite_trigger_sql(table, columns),
    ]


def _sqlite_trigger_sql(table: str, columns: list[str]) -> list[str]:
    fts = f"{table}_search"
    add = f'INSERT INTO "{fts}"(rowid, {_columns_sql(columns)}) VALUES (new."id", {_padded(columns, "new")});'
    remove = (
        f'INSERT INTO "{fts}"("{fts}", rowid, {_columns_sql(columns)}) '
        f"VALUES ('delete', old.\"id\", {_padded(columns, 'old')});"
    )
    changed = " OR ".join(f'old."{name}" IS NOT new."{name}"' for name in columns)
    return [
        f'CREATE TRIGGER "{fts}_insert" AFTER INSERT ON "{table}" BEGIN {add} END',
        f'CREATE TRIGGER "{fts}_delete" AFTER DELETE ON "{table}" BEGIN {remove} END',
        # Only when an indexed text changes: saving a follow-up date must not touch the index.
        f'CREATE TRIGGER "{fts}_update" AFTER UPDATE OF {_columns_sql(columns)} ON "{table}" '
        f"WHEN {changed} BEGIN {remove} {add} END",
    ]


def _sqlite_fill_sql(table: str, columns: list[str]) -> list[str]:
    fts = f"{table}_search"
    return [
        f'INSERT INTO "{fts}"("{fts}") VALUES (\'delete-all\')',
        f'INSERT INTO "{fts}"(rowid, {_columns_sql(columns)}) SELECT "id", {_padded(columns)} FROM "{table}"',
    ]


def _postgresql_index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def create_search_index(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str = "search_text",
                        fields: Sequence[str] = ()) -> None:
    """Create the search index over ``table.column`` and ``fields`` (each a column of its own, see the module
    docstring) and fill it with the rows already there."""
    vendor = schema_editor.connection.vendor
    columns = [column, *fields]
    if vendor == "sqlite":
        for sql in [*_sqlite_index_sql(table, columns), *_sqlite_fill_sql(table, columns)]:
            schema_editor.execute(sql, params=None)
    elif vendor == "postgresql":
        # pg_trgm is a trusted extension: the owner of the database may create it without being superuser.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
        for name in columns:
            schema_editor.execute(
                f'CREATE INDEX "{_postgresql_index_name(table, name)}" ON "{table}" USING gin ("{name}" gin_trgm_ops)',
                params=None,
            )


def drop_search_index(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str = "search_text",
                      fields: Sequence[str] = ()) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        fts = f"{table}_search"
        for sql in [f'DROP TRIGGER IF EXISTS "{fts}_{event}"' for event in ("insert", "update", "delete")]:
            schema_editor.execute(sql, params=None)
        schema_editor.execute(f'DROP TABLE IF EXISTS "{fts}_terms"', params=None)
        schema_editor.execute(f'DROP TABLE IF EXISTS "{fts}"', params=None)
    elif vendor == "postgresql":
        # The extension stays: other indexes may use it.
        for name in [column, *fields]:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{_postgresql_index_name(table, name)}"', params=None)


class CreateSearchIndex(Operation):
    """Migration operation: index ``model_name``'s ``column`` (and ``fields``, each apart) for global search
    (reversible).

    ``operations = [CreateSearchIndex("customer", fields=("phone", "email"))]`` in the app's migration, after the
    columns exist; ``fields`` are the model's ``search_index_fields``."""

    reversible = True

    def __init__(self, model_name: str, column: str = "search_text", fields: Sequence[str] = ()):
        self.model_name = model_name
        self.column = column
        self.fields = tuple(fields)

    def deconstruct(self):
        kwargs = {"column": self.column, **({"fields": self.fields} if self.fields else {})}
        return self.__class__.__name__, [self.model_name], kwargs

    def state_forwards(self, app_label, state):
        pass  # no model state: the index lives beside the table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            create_search_index(schema_editor, model._meta.db_table, self.column, self.fields)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            drop_search_index(schema_editor, model._meta.db_table, self.column, self.fields)

    def describe(self) -> str:
        return f"Create the search index on {self.model_name}.{self.column}"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_search_index"


class DropSearchIndex(CreateSearchIndex):
    """Migration operation: the reverse of ``CreateSearchIndex`` (to rebuild an index over other columns)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Drop the search index on {self.model_name}.{self.column}"

    @property
    def migration_name_fragment(self) -> str:
        return f"drop_{self.model_name.lower()}_search_index"


def _sqlite_index_columns(cursor, fts: str) -> list[str]:
    cursor.execute("SELECT name FROM pragma_table_info(%s)", [fts])
    return [row[0] for row in cursor.fetchall()]


def repair_search_indexes(using: str = "default", **kwargs) -> list[str]:
    """Put back the sync triggers of every SQLite search index whose table lost them, and refill the index.

    SQLite drops a table's triggers when Django rebuilds the table (adding a NOT NULL field, altering one), which
    would leave the index silently stale; this runs after every ``migrate`` (``post_migrate``). Returns the
    tables repaired."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    repaired = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE %s",
            ["CREATE VIRTUAL TABLE%USING fts5(%trigram%"],
        )
        for fts in [row[0] for row in cursor.fetchall() if row[0].endswith("_search")]:
            table = fts.removesuffix("_search")
            triggers = [f"{fts}_insert", f"{fts}_update", f"{fts}_delete"]
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s, %s)",
                [table, *triggers],
            )
            if cursor.fetchone()[0] == len(triggers):
                continue
            columns = _sqlite_index_columns(cursor, fts)
            for sql in [
                *(f'DROP TRIGGER IF EXISTS "{name}"' for name in triggers),
                *_sqlite_trigger_sql(table, columns),
                *_sqlite_fill_sql(table, columns),
            ]:
                cursor.execute(sql)
            repaired.append(table)
    return repaired


@contextmanager
def search_index_filled_in_bulk(model: type[Model], using: str = "default") -> Iterator[None]:
    """Rows inserted into ``model``'s table inside this block are added to its SQLite search index by one
    statement at the end, instead of one trigger call per row.

    Why: FTS5 writes its pending terms out at the end of every statement, so a trigger firing for each of
    100,000 inserted rows writes 100,000 tiny index segments and merges them as it goes — 0.45 ms a row, 20 times
    what the inserts themselves cost. Must run inside a transaction: the insert trigger is dropped for the block
    and created again at its end, so a rollback restores it, other writers wait for the transaction anyway
    (SQLite has one writer) and readers keep seeing the committed schema with its triggers (WAL). Rows updated
    or deleted in the block still go through their triggers. Other databases: nothing to do.
    """
    connection = connections[using]
    table = model._meta.db_table
    fts = f"{table}_search"
    trigger = f"{fts}_insert"
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("search_index_filled_in_bulk() needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger])
        found = cursor.fetchone()
        if found is None:
            yield  # no index on this table (yet)
            return
        # Dropping first takes the write lock, so no other writer's rows can appear above the high mark.
        cursor.execute(f'DROP TRIGGER "{trigger}"')
        cursor.execute(f'SELECT coalesce(max("id"), 0) FROM "{table}"')
        high_mark = cursor.fetchone()[0]
        columns = _sqlite_index_columns(cursor, fts)
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{fts}"(rowid, {_columns_sql(columns)}) SELECT "id", {_padded(columns)} FROM "{table}" '
            f'WHERE "id" > %s ORDER BY "id"',
            [high_mark],
        )
        cursor.execute(found[0])
