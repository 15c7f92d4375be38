"""Pages of long lists without counting every row.

Counting a rep's 170,000 customers costs more than fetching the page they look at, and nobody reads "page 3,400
of 3,400". So a list counts at most ``CRM_LIST_COUNT_CAP`` rows (500 by default) with
``SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)``; past that it says "500+" and still pages on, finding out
whether there is a next page by fetching one row more than it shows.

Why 500: the count stops after cap + 1 matching rows, but reaching them costs one row visit per row of the
scope that the filters reject. On SQLite with a million customers, a rep's ``level=A`` list (14 % of their
170,000) took about 2.5 ms to count to 501, 8 ms to 1,001, 18 ms to 2,001 and 150–500 ms to 10,001 — the
whole API answer 25 ms, 30 ms and 500 ms with caps of 500, 1,000 and 10,000.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

DEFAULT_COUNT_CAP = 500


def count_cap() -> int:
    return int(getattr(settings, "CRM_LIST_COUNT_CAP", DEFAULT_COUNT_CAP))


def capped_count(rows: Any, cap: int) -> int:
    """How many rows there are, counting no further than ``cap + 1``: a result above ``cap`` means "more"."""
    if isinstance(rows, QuerySet):
        # The ordering is no use to a count, and dropping it lets the database stop at the first cap + 1 rows
        # of whichever index serves the filter.
        return rows.order_by()[: cap + 1].count()
    return min(len(rows), cap + 1)


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
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self.cap = count_cap() if cap is None else cap

    @cached_property
    def _counted(self) -> int:
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
        if not self.count_capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)

    def _get_page(self, *args, **kwargs) -> Page:
        return CappedPage(*args, **kwargs)
