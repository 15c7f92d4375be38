"""The FilterSet every list filter derives from (the pages' and, through ``BoundedFilterBackend``, the API's).

Filters on dates accept only days in the calendar window of ``crm.core.bounds`` and year lookups only years
inside it: ``?date__year=0`` or ``?created_after=0001-01-01`` (which leaves the calendar when shifted to UTC) was
a 500 and is now the field's 400 / form error, like any other bad filter value.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from crm.core.bounds import EARLIEST_DATE, LATEST_DATE, validate_calendar_date, validate_calendar_range

_DATE_FILTERS = (django_filters.DateFilter, django_filters.DateTimeFilter)
_RANGE_FILTERS = (django_filters.DateFromToRangeFilter, django_filters.DateTimeFromToRangeFilter,
                  django_filters.IsoDateTimeFromToRangeFilter)


class BoundedFilterSet(django_filters.FilterSet):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # self.filters are this instance's copies: adding validators here leaves the class's alone.
        for filter_ in self.filters.values():
            if isinstance(filter_, _RANGE_FILTERS):
                filter_.extra["validators"] = [*filter_.extra.get("validators", ()), validate_calendar_range]
            elif isinstance(filter_, _DATE_FILTERS):
                filter_.extra["validators"] = [*filter_.extra.get("validators", ()), validate_calendar_date]

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        if lookup_expr and {"year", "iso_year"} & set(lookup_expr.split("__")):
            filter_.extra.update(min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year)
        return filter_


class BoundedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, building the FilterSets of ``filterset_fields`` on BoundedFilterSet."""

    filterset_base = BoundedFilterSet
