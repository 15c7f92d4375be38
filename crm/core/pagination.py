"""Pages of long lists: fast whatever the user's scope, filters and sort, without trusting the query planner.

Counting. Counting a rep's 170,000 customers costs more than fetching the page they look at, and nobody reads
"page 3,400 of 3,400". So a list counts at most ``CRM_LIST_COUNT_CAP`` rows (500 by default); past that it says
"500+" and still pages on, finding out whether there is a next page by fetching one row more than it shows.

Finding the page (``ListPlan``). ``scope AND filters ORDER BY x LIMIT 50`` has two good plans — start from the
rows the conditions pick and sort them, or walk the index of ``x`` and keep the rows that pass — and which one
is right depends on how many rows pass. SQLite guesses from whatever statistics it has (a fresh clone: a rep's
first page in 650 ms, sorting 167,000 rows, instead of 1 ms); PostgreSQL guesses better but had no index for
most sorts. So the list decides, from a measurement instead of a guess (docs/adr/0005-list-pages.md):

1. the probe: up to ``cap + 1`` ids that pass, in no order (``LIMIT`` without ``ORDER BY``: every plan stops
   early). It is also the capped count;
2. few rows (at most the cap): the database sorts those ids;
3. many rows: the model's index of the ordering is walked, one statement per chunk — a window of the index
   (``SELECT id … ORDER BY x, id LIMIT n OFFSET m``, no WHERE: the index is the only sensible plan on both
   databases) whose ids the list's conditions check by primary key — until the page is full;
4. a walk that finds rows too rarely asks a wider probe (``PROBE_ROWS``): a list that short is sorted by the
   database; a longer one is walked on up to ``WALK_BUDGET`` entries, then left to the database.

Keyset paging. The next page starts after the last row of the one before (``Cursor``, the ``?after=`` of the next
link): the walk reads the stretches of the index after that row, so page 1,000 costs what page 1 costs.

Every ordering ends with the primary key (added here when missing), so rows with equal values page in a fixed
order and no row is shown twice or skipped. An ordering the model has no index for is left to the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import json
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Field, IntegerField, Model, Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

from crm.core.querysets import id_set, rows_at_most

DEFAULT_COUNT_CAP = 500
# A list of at most this many rows is sorted by the database; a longer one is read along its ordering's index.
PROBE_ROWS = 2000
FIRST_CHUNK = 200
MAX_CHUNK = 20_000
WALK_BUDGET = 200_000
# A walk that would read more index entries than this for one page first asks whether the list is short.
SPARSE_ENTRIES = 10_000
SPARSE = object()


def count_cap() -> int:
    return int(getattr(settings, "CRM_LIST_COUNT_CAP", DEFAULT_COUNT_CAP))


def capped_count(rows: Any, cap: int) -> int:
    """How many rows there are, counting no further than ``cap + 1``: a result above ``cap`` means "more"."""
    if isinstance(rows, QuerySet):
        # The ordering is no use to a count, and dropping it lets the database stop at the first cap + 1 rows
        # of whichever index serves the filter.
        return rows.order_by()[: cap + 1].count()
    return min(len(rows), cap + 1)


def with_tiebreak(ordering: list[Any], model: type[Model]) -> list[Any]:
    """``ordering`` ending with the primary key, in the direction of its last key ("-level" → "-level", "-pk")."""
    pk_names = {"pk", model._meta.pk.name, model._meta.pk.attname}
    if any(isinstance(key, str) and key.lstrip("-") in pk_names for key in ordering):
        return list(ordering)
    last = ordering[-1] if ordering else "pk"
    descending = last.startswith("-") if isinstance(last, str) else bool(getattr(last, "descending", False))
    return [*ordering, "-pk" if descending else "pk"]


def ordering_of(queryset: QuerySet) -> list[Any]:
    """The ordering a queryset's rows come in (its own, else its model's), ending with the primary key."""
    query = queryset.query
    ordering = list(query.order_by) or (list(query.get_meta().ordering or []) if query.default_ordering else [])
    return with_tiebreak(ordering, queryset.model)


def _keys(model: type[Model], ordering: list[Any]) -> list[tuple[str, bool]] | None:
    """The ordering as (column field name, descending) pairs, or None when it is not plain columns of ``model``."""
    keys = []
    for key in ordering:
        if not isinstance(key, str) or "__" in key or key.startswith("?"):
            return None
        name = key.lstrip("-")
        field = model._meta.pk if name == "pk" else next(
            (f for f in model._meta.concrete_fields if name in (f.name, f.attname)), None)
        if field is None or (field.is_relation and name == field.name):
            return None  # a relation orders by the other model's ordering: a join, no index walk
        keys.append((field.name, key.startswith("-")))
    return keys


def _indexes(model: type[Model]) -> list[list[tuple[str, bool]]]:
    """The key columns of each plain index of ``model``, as (field name, descending), ending with the primary key
    (as every SQLite index does; on PostgreSQL the few ties of a near-unique column are sorted cheaply)."""
    pk = model._meta.pk.name
    found: list[list[tuple[str, bool]]] = [[]]  # the table itself, in primary-key order
    for index in model._meta.indexes:
        if index.condition is None and not index.expressions:
            found.append([(name.lstrip("-"), name.startswith("-")) for name in index.fields])
    found.extend([(f.name, False)] for f in model._meta.concrete_fields
                 if (getattr(f, "db_index", False) or f.unique) and f.name != pk)
    return [keys if keys and keys[-1][0] == pk else [*keys, (pk, False)] for keys in found]


def index_for_ordering(model: type[Model], ordering: list[Any]) -> bool:
    """Whether an index of ``model`` holds its rows in ``ordering`` (which ends with the primary key), forwards or
    backwards: the index can then be walked instead of sorting."""
    keys = _keys(model, ordering)
    if keys is None:
        return False
    for index in _indexes(model):
        if index[: len(keys)] in (keys, [(name, not descending) for name, descending in keys]):
            return True
    return False

MAX_CURSOR_LENGTH = 2000
_INT64 = 2**63


class Cursor:
    """Where a page ended — the ordering's values of its last row, the primary key last — so that the next page
    starts right after it (keyset paging): page 1,000 then costs what page 1 costs, and a row written meanwhile
    neither repeats nor hides a row. Travels in the URL as ``?after=``, an opaque token."""

    def __init__(self, keys: list[tuple[str, bool]], values: list[Any]):
        self.keys = keys
        self.values = values

    @classmethod
    def of_row(cls, row: Model, keys: list[tuple[str, bool]]) -> Cursor:
        return cls(keys, [getattr(row, _column(row._meta.model, name).attname) for name, _ in keys])

    def encode(self) -> str:
        payload = {"k": [f"-{name}" if descending else name for name, descending in self.keys],
                   "v": [_plain(value) for value in self.values]}
        return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, model: type[Model]) -> Cursor | None:
        """The cursor a token stands for, or None when it is not one this model's list wrote."""
        if not token or len(token) > MAX_CURSOR_LENGTH or not token.isascii():
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            names, raw = payload["k"], payload["v"]
            if not (isinstance(names, list) and isinstance(raw, list) and len(names) == len(raw) >= 1):
                return None
            keys = _keys(model, names)
            if keys is None or keys[-1][0] != model._meta.pk.name:
                return None
            values = [_typed(_column(model, name), value) for (name, _), value in zip(keys, raw, strict=True)]
        except (ValueError, TypeError, KeyError, OverflowError, ValidationError, binascii.Error, UnicodeDecodeError):
            return None
        if values[-1] is None:
            return None
        return cls(keys, values)

    def fits(self, keys: list[tuple[str, bool]]) -> bool:
        return self.keys == keys

    def segments(self, model: type[Model], nulls_largest: bool) -> list[Q]:
        """The rows after this one as stretches of the ordering's index, in reading order: each a condition an
        index seeks to (``level = 'B' AND id > 7``, then ``level > 'B'``, then the NULLs if they sort last)."""
        return _after(model, self.keys, self.values, nulls_largest)


def _column(model: type[Model], name: str) -> Field:
    """The concrete field ``name`` of ``model`` (the ordering keys are plain columns, see ``_keys``)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _after(model: type[Model], keys: list[tuple[str, bool]], values: list[Any], nulls_largest: bool) -> list[Q]:
    (name, descending), value = keys[0], values[0]
    beyond = f"{name}__{'lt' if descending else 'gt'}"
    if len(keys) == 1:  # the primary key: unique and never NULL
        return [Q(**{beyond: value})]
    equal = Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    found = [equal & rest for rest in _after(model, keys[1:], values[1:], nulls_largest)]
    nulls_last = nulls_largest != descending  # PostgreSQL: NULLs last going up; SQLite: last going down
    if value is None:
        if not nulls_last:
            found.append(Q(**{f"{name}__isnull": False}))
    else:
        found.append(Q(**{beyond: value}))
        if nulls_last and model._meta.get_field(name).null:
            found.append(Q(**{f"{name}__isnull": True}))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()  # microseconds kept: the next page starts exactly after this row
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _typed(field: Field, value: Any) -> Any:
    """A cursor value as the field holds it; anything a URL could carry that the database would choke on (a
    65-bit number, a NUL character) is refused as a broken cursor rather than passed on."""
    if value is None:
        if not field.null and not field.primary_key:
            raise ValueError("NULL in a NOT NULL column")
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise TypeError("not a plain value")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL character")
    typed = field.to_python(value)
    if isinstance(typed, datetime.datetime) and typed.tzinfo is not None:
        typed = typed.astimezone(datetime.UTC)  # OverflowError at the edge of the calendar: a broken cursor
    integer = isinstance(field, IntegerField) or field.primary_key
    if integer and (not isinstance(typed, int) or not -_INT64 <= typed < _INT64):
        raise ValueError("integer out of range")
    return typed


class ListPlan:
    """How one list's page is read: see the module's docstring. ``queryset`` is ordered (ordering_of).

    ``after`` (a ``Cursor``) starts the list after the row it names instead of at its first row: ``rows(0, n)`` are
    then the n rows that follow it. The capped count is always the whole list's.
    """

    def __init__(self, queryset: QuerySet, probe_rows: int = PROBE_ROWS, after: Cursor | None = None,
                 count_rows: int | None = None):
        self.queryset = queryset
        self.probe_rows = probe_rows
        # The first probe stops at what the count needs; the wider one runs only for a sparse long list.
        self.count_rows = min(probe_rows, count_rows if count_rows is not None else probe_rows)
        bound = rows_at_most(queryset)
        if bound is not None and bound <= probe_rows:
            self.count_rows = probe_rows  # a list of known ids (a search's matches): one probe reads them all
        self.ordering = ordering_of(queryset)
        self.keys = _keys(queryset.model, self.ordering)
        self.after = after if after is not None and self.keys is not None and after.fits(self.keys) else None

    @cached_property
    def probe(self) -> list[Any]:
        """Up to ``count_rows + 1`` ids of rows in the list, in no particular order."""
        return self._ids(self.count_rows)

    @cached_property
    def wide_probe(self) -> list[Any]:
        """Up to ``probe_rows + 1`` of them."""
        return self.probe if self.count_rows == self.probe_rows else self._ids(self.probe_rows)

    def _ids(self, limit: int) -> list[Any]:
        return list(self.queryset.order_by().values_list("pk", flat=True)[: limit + 1])

    @property
    def is_short(self) -> bool:
        return len(self.probe) <= self.count_rows

    def _segments(self) -> list[Q]:
        """The stretches of the ordering index the list's rows lie in, in the order they are read."""
        if self.after is None or self.keys is None:
            return [Q()]
        return self.after.segments(self.queryset.model, connections[self.queryset.db].features.nulls_order_largest)

    def rows(self, offset: int, limit: int) -> list[Any]:
        """Rows ``offset`` to ``offset + limit`` of the list (after the cursor, if any), in its order."""
        queryset = self.queryset
        if self.after is not None:
            beyond = Q()
            for segment in self._segments():
                beyond |= segment
            queryset = queryset.filter(beyond)
        if self.is_short:
            return self._sorted(queryset, self.probe, offset, limit)
        if self.keys is not None and index_for_ordering(self.queryset.model, self.ordering):
            ids = self._walk(offset + limit, sparse=SPARSE)
            if ids is SPARSE:
                # Few rows pass per index entry: if the whole list is a few thousand rows, sorting them is cheaper.
                if len(self.wide_probe) <= self.probe_rows:
                    return self._sorted(queryset, self.wide_probe, offset, limit)
                ids = self._walk(offset + limit)
            if isinstance(ids, list):
                return self._read(ids[offset : offset + limit])
        return list(queryset[offset : offset + limit])

    def _sorted(self, queryset: QuerySet, ids: list[Any], offset: int, limit: int) -> list[Any]:
        """Rows of a short list: the database sorts its ids (a narrow sort: ids and the sort key, not whole
        rows), then the page's rows are read by primary key."""
        listed = queryset.filter(pk__in=id_set(ids, queryset.db)).values_list("pk", flat=True)
        return self._read(list(listed[offset : offset + limit]))

    def _read(self, page: list[Any]) -> list[Any]:
        """The rows of a page whose ids passed the list's conditions, in the list's order, read by primary key
        alone: with the conditions repeated, SQLite may plan from the scope's OR instead of the 50 ids (20 ms
        instead of 1)."""
        if not page:
            return []
        listed = self.queryset
        if (listed.query.annotations or listed.query.extra or getattr(listed, "_fields", None) is not None
                or listed._iterable_class is not ModelIterable):
            # an annotation may need the list's joins, and values() rows would come back as instances
            return list(listed.filter(pk__in=page))
        rows = listed.model._base_manager.using(listed.db).filter(pk__in=page).order_by(*self.ordering)
        rows.query.select_related = listed.query.select_related
        rows.query.deferred_loading = listed.query.deferred_loading
        rows._prefetch_related_lookups = listed._prefetch_related_lookups  # type: ignore[attr-defined]
        return list(rows)

    def _walk(self, wanted: int, sparse: object = None) -> list[Any] | object | None:
        """The first ``wanted`` ids of the list, read along the ordering's index. None when filling the page would
        read more than ``WALK_BUDGET`` entries; ``sparse`` (when given) as soon as it would read more than
        ``SPARSE_ENTRIES``.

        Each chunk is one statement: the index gives a window of ids (``ORDER BY … LIMIT … OFFSET``, read from
        the index alone) and the list's own conditions keep those that pass, by primary key. No id list travels
        through Python, and each chunk is sized by the rate at which rows passed so far."""
        model = self.queryset.model
        index = model._base_manager.using(self.queryset.db).order_by(*self.ordering)
        passing = self.queryset.order_by(*self.ordering).values_list("pk", flat=True)
        found: list[Any] = []
        read = 0
        for segment in self._segments():
            stretch = index.filter(segment).values("pk")
            position, chunk = 0, min(max(FIRST_CHUNK, 10 * wanted), MAX_CHUNK)
            while True:
                window = stretch[position : position + chunk]
                found.extend(passing.filter(pk__in=window)[: wanted - len(found)])
                read += chunk
                if len(found) >= wanted:
                    return found
                position += chunk
                if not stretch[position : position + 1].exists():
                    break  # the stretch is read to its end
                # Rows passed at rate len(found)/read: read enough to fill the page at that rate, and half again.
                needed = int((wanted - len(found)) * read / max(len(found), 0.5) * 1.5)
                if sparse is not None and needed > SPARSE_ENTRIES:
                    return sparse
                if read + needed > WALK_BUDGET:
                    return None
                chunk = min(max(FIRST_CHUNK, needed), MAX_CHUNK)
        return found


class CappedPage(Page):
    """A page that knows whether another follows even when the paginator stopped counting."""

    def __init__(self, object_list, number, paginator, has_more: bool | None = None, next_cursor: str = ""):
        super().__init__(object_list, number, paginator)
        self._has_more = has_more
        # ?after= of the next page: it starts after this page's last row instead of counting rows from the top.
        self.next_cursor = next_cursor

    def has_next(self) -> bool:
        if self._has_more is None:
            return super().has_next()
        return self._has_more

    def end_index(self) -> int:
        if self._has_more is None:
            return super().end_index()
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class CappedPaginator(Paginator):
    """A Paginator whose ``count`` stops at the cap; ``count_capped`` says there are more rows than that."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        cap: int | None = None,
        after: str | None = None,
        **kwargs,
    ):
        self.cap = count_cap() if cap is None else cap
        self.exact: int | None = None  # set by count_exactly()
        self.plan: ListPlan | None = None
        # ?after= names the row the page starts after (see Cursor); a token this list did not write is ignored
        # here and answered by the API as an invalid cursor (``cursor_refused``).
        self.cursor_refused = False
        if isinstance(object_list, QuerySet):
            object_list = object_list.order_by(*ordering_of(object_list))
            cursor = Cursor.decode(after, object_list.model) if after else None
            self.plan = ListPlan(object_list, probe_rows=max(PROBE_ROWS, self.cap), after=cursor,
                                 count_rows=self.cap)
            self.cursor_refused = bool(after) and self.plan.after is None
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)

    @cached_property
    def _counted(self) -> int:
        if self.plan is not None:
            return min(len(self.plan.probe), self.cap + 1)
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return self.exact if self.exact is not None else min(self._counted, self.cap)

    @property
    def count_capped(self) -> bool:
        return self.exact is None and self._counted > self.cap

    def count_exactly(self) -> None:
        """Counts every row, past the cap: what "500+" stands for, when the user asks (a full count of a rep's
        170,000 customers is a scan of their scope: worth it once, not on every page). Call before page()."""
        if self.count_capped and isinstance(self.object_list, QuerySet):
            self.exact = self.object_list.order_by().count()
            for name in ("count", "num_pages"):
                self.__dict__.pop(name, None)

    @property
    def count_label(self) -> str:
        """The count as a person reads it: "487", or "500+" past the cap."""
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"

    @cached_property
    def num_pages(self) -> int:
        if self.count_capped:
            return math.ceil(self.cap / self.per_page)  # the pages known to exist; more may follow
        return super().num_pages

    def validate_number(self, number) -> int:
        if not self.count_capped:
            return super().validate_number(number)
        # Past the cap a page number cannot be checked against a total: any positive number goes, and page()
        # answers EmptyPage when nothing is there.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number) -> Page:
        if self.plan is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = 0 if self.plan.after is not None else (number - 1) * self.per_page
        rows = self.plan.rows(bottom, self.per_page + 1)
        if not rows and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage(self.error_messages["no_results"])
        has_more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        next_cursor = ""
        if has_more and self.plan.keys is not None:
            next_cursor = Cursor.of_row(rows[-1], self.plan.keys).encode()
        return CappedPage(rows, number, self, has_more=has_more, next_cursor=next_cursor)

    def _get_page(self, *args, **kwargs) -> Page:
        return CappedPage(*args, **kwargs)
