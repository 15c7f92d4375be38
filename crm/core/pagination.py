"""Pages of long lists: fast whatever the user's scope, filters and sort, without trusting the query planner.

Counting. Counting a rep's 170,000 customers costs more than fetching the page they look at, and nobody reads
"page 3,400 of 3,400". So a list counts at most ``CRM_LIST_COUNT_CAP`` rows (500 by default); past that it says
"500+" and still pages on, finding out whether there is a next page by fetching one row more than it shows.

Finding the page (``ListPlan``). ``scope AND filters ORDER BY x LIMIT 50`` has two good plans — start from the
rows the conditions pick and sort them, or walk the index of ``x`` and keep the rows that pass — and which one
is right depends on how many rows pass. SQLite guesses from whatever statistics it has (a fresh clone: a rep's
first page in 650 ms, sorting 167,000 rows, instead of 1 ms); PostgreSQL guesses better but had no index for
most sorts. So the list decides, from a measurement instead of a guess:

1. the probe: up to ``PROBE_ROWS + 1`` ids that pass, in no order (``LIMIT`` without ``ORDER BY``: every plan
   stops early). It also gives the capped count;
2. few rows (at most ``PROBE_ROWS``): the page is those ids, sorted by the database — a sort of at most 2,000;
3. many rows: the model's index of the ordering is walked on its own (``SELECT id … ORDER BY x, id LIMIT n``,
   no WHERE, so the index is the only sensible plan on both databases), in growing chunks, and each chunk's ids
   are checked against the queryset by primary key, until the page is full. Many rows pass, so a chunk finds
   many; the walk stops after ``WALK_BUDGET`` index entries and leaves the rest to the database.

Every ordering ends with the primary key (added here when missing), so rows with equal values page in a fixed
order and no row is shown twice or skipped. An ordering the model has no index for is left to the database.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

DEFAULT_COUNT_CAP = 500
# A list of at most this many rows is sorted by the database; a longer one is read along its ordering's index.
PROBE_ROWS = 2000
FIRST_CHUNK = 200
MAX_CHUNK = 5000
WALK_BUDGET = 200_000


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


class ListPlan:
    """How one list's page is read: see the module's docstring. ``queryset`` is ordered (ordering_of)."""

    def __init__(self, queryset: QuerySet, probe_rows: int = PROBE_ROWS):
        self.queryset = queryset
        self.probe_rows = probe_rows
        self.ordering = ordering_of(queryset)

    @cached_property
    def probe(self) -> list[Any]:
        """Up to ``probe_rows + 1`` ids of rows in the list, in no particular order."""
        return list(self.queryset.order_by().values_list("pk", flat=True)[: self.probe_rows + 1])

    @property
    def is_short(self) -> bool:
        return len(self.probe) <= self.probe_rows

    def rows(self, offset: int, limit: int) -> list[Any]:
        """Rows ``offset`` to ``offset + limit`` of the list, in its order."""
        if self.is_short:
            return list(self.queryset.filter(pk__in=self.probe)[offset : offset + limit])
        if index_for_ordering(self.queryset.model, self.ordering):
            ids = self._walk(offset + limit)
            if ids is not None:
                return list(self.queryset.filter(pk__in=ids[offset : offset + limit]))
        return list(self.queryset[offset : offset + limit])

    def _walk(self, wanted: int) -> list[Any] | None:
        """The first ``wanted`` ids of the list, read along the ordering's index; None past the budget."""
        model = self.queryset.model
        index = model._base_manager.using(self.queryset.db).order_by(*self.ordering).values_list("pk", flat=True)
        passing = self.queryset.order_by().values_list("pk", flat=True)
        found: list[Any] = []
        position, chunk = 0, min(max(FIRST_CHUNK, 2 * wanted), MAX_CHUNK)
        while position < WALK_BUDGET:
            ids = list(index[position : position + chunk])
            passed = set(passing.filter(pk__in=ids))
            found.extend(pk for pk in ids if pk in passed)
            if len(found) >= wanted or len(ids) < chunk:
                return found
            position += chunk
            chunk = min(chunk * 4, MAX_CHUNK)
        return None


class CappedPage(Page):
    """A page that knows whether another follows even when the paginator stopped counting."""

    def __init__(self, object_list, number, paginator, has_more: bool | None = None):
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

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
        **kwargs,
    ):
        self.cap = count_cap() if cap is None else cap
        self.plan: ListPlan | None = None
        if isinstance(object_list, QuerySet):
            object_list = object_list.order_by(*ordering_of(object_list))
            self.plan = ListPlan(object_list, probe_rows=max(PROBE_ROWS, self.cap))
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)

    @cached_property
    def _counted(self) -> int:
        if self.plan is not None:
            return min(len(self.plan.probe), self.cap + 1)
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def count_capped(self) -> bool:
        return self._counted > self.cap

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
        bottom = (number - 1) * self.per_page
        rows = self.plan.rows(bottom, self.per_page + 1)
        if not rows and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def _get_page(self, *args, **kwargs) -> Page:
        return CappedPage(*args, **kwargs)
