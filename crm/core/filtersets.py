"""What every FilterSet obeys, whichever door it serves (a list page, its export, the API list):

- a filter on a field the user may not search by (``crm.core.fieldperms.unsearchable_fields``: hidden by their
  role, or masked without the unmask right) refuses any value with one message, whatever the value — so hits
  and misses cannot rebuild the hidden value;
- a filter naming another record (``?customer=<id>``) accepts only records the user may see: an id out of their
  scope answers exactly as an id that does not exist (no existence oracle);
- the list's search box (``IndexedSearchFilter``) reads the search index on the fields the user may search by.

``restrict_filterset`` applies the first two; the API's filter backend (``crm.core.api.filters``) and
``ScopedListView`` call it on every FilterSet they build, so a module's FilterSet needs nothing for it beyond
naming, for a filter with a ``method``, the fields that method reads (``FilterSet.method_reads``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm.core.bounds import EARLIEST_DATE, LATEST_DATE, validate_calendar_date, validate_calendar_range
from crm.core.fieldperms import walks_unsearchable
from crm.core.fulltext import search_list

_APPLIED = "_field_rules_applied"


def _refuse(value) -> None:
    raise ValidationError(_("Your role may not search or filter by this field."), code="field_denied")


def scoped_choices(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` narrowed to the records ``user`` may see, when its model has a data scope (``visible_to``);
    each row is checked by primary key (EXISTS), as ``crm.core.fulltext.in_scope`` does."""
    manager = queryset.model._default_manager
    if not hasattr(manager, "visible_to"):
        return queryset
    return queryset.filter(Exists(manager.visible_to(user).filter(pk=OuterRef("pk"))))


def _narrowed(given, narrow):
    """A filter's ``queryset`` (a QuerySet, or a callable of the request) passed through ``narrow``."""
    if callable(given) and not isinstance(given, QuerySet):
        return lambda request: narrow(given(request))
    return narrow(given)


def filter_reads(filterset: django_filters.FilterSet, name: str, flt: django_filters.Filter) -> tuple[str, ...]:
    """The lookup paths a filter reads: those its FilterSet declares for it in ``method_reads`` (a ``method=``
    filter may read any fields), else its ``field_name``."""
    declared = getattr(filterset, "method_reads", {}).get(name)
    return tuple(declared) if declared is not None else (flt.field_name or name,)


def restrict_filterset(filterset: django_filters.FilterSet, user) -> django_filters.FilterSet:
    """Applies the field rules and the data scope to ``filterset``'s filters (see the module docstring). Call
    before the FilterSet's form or ``qs`` is read; calling it again does nothing."""
    if getattr(filterset, _APPLIED, False) or user is None or not user.is_authenticated:
        return filterset
    model = filterset._meta.model or filterset.queryset.model
    for name, flt in filterset.filters.items():
        related = isinstance(flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter)
        if any(walks_unsearchable(user, model, path) for path in filter_reads(filterset, name, flt)):
            flt.extra["validators"] = [*flt.extra.get("validators", ()), _refuse]
            if related and flt.queryset is not None:  # no record is a valid choice, existing or not
                flt.queryset = _narrowed(flt.queryset, lambda queryset: queryset.none())
            continue
        if related and flt.queryset is not None:
            flt.queryset = _narrowed(flt.queryset, lambda queryset: scoped_choices(queryset, user))
    setattr(filterset, _APPLIED, True)
    return filterset


class IndexedSearchFilter(django_filters.CharFilter):
    """A list's search box through the search index (``crm.core.fulltext.search_list``), matching only what the
    signed-in user may search by; ``fields`` narrows it to the fields the door shows (the pool shows no phone)."""

    def __init__(self, *args, fields: Collection[str] | None = None, **kwargs):
        self.shown_fields = fields
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value or not value.strip():
            return qs
        request = getattr(self.parent, "request", None)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return qs.none()
        return search_list(qs, value, user=user, fields=self.shown_fields)


_DATE_FILTERS = (django_filters.DateFilter, django_filters.DateTimeFilter)
_RANGE_FILTERS = (django_filters.DateFromToRangeFilter, django_filters.DateTimeFromToRangeFilter,
                  django_filters.IsoDateTimeFromToRangeFilter)


class BoundedFilterSet(django_filters.FilterSet):
    """Filters on dates accept only days in the calendar window of ``crm.core.bounds`` and year lookups only
    years inside it: ``?date__year=0`` or ``?created_after=0001-01-01`` (which leaves the calendar when shifted to
    UTC) was a 500 and is now the field's 400 / form error, like any other bad filter value."""

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


class FilterSet(BoundedFilterSet):
    """The base of every module's FilterSet (and of those the API builds from ``filterset_fields``): bounded dates
    (``BoundedFilterSet``), and a blank value read as "no filter" for every filter, multi-valued ones too.

    A ``method=`` filter names the fields its method reads in ``method_reads`` (``{"in_pool": ("owner",
    "pool_entered_at")}``), so the field rules refuse it to a role that may not search by one of them; a test
    (crm/core/tests/test_field_rules.py) holds every FilterSet to it.

    A list's form submits each select it shows, chosen or not (``tag=&level=A``): a blank single value already
    means "any", but a multiple-choice filter took ``[""]`` as a choice and refused it, so the list warned that
    its filters were not valid and the export of the same list answered 400."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "lists"):
            kept = QueryDict(mutable=True)
            for key, values in data.lists():
                kept.setlist(key, [value for value in values if value != ""])
            data = kept
        super().__init__(data, *args, **kwargs)

    @property
    def form(self):
        form = super().form
        # A list shows its filters as bare selects and boxes, without <label>s (the blank choice says what each
        # one is): the filter's label becomes its accessible name, so a screen reader says "Level", not "select".
        for field in form.fields.values():
            if field.label:
                field.widget.attrs.setdefault("aria-label", str(field.label))
        return form

    # filter name -> the lookup paths its method reads (see above)
    method_reads: dict[str, tuple[str, ...]] = {}
