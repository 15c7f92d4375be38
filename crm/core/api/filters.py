"""Filter backends shared by every API list."""

from __future__ import annotations

from rest_framework import filters

from crm.core.fulltext import find_matches
from crm.core.pagination import PROBE_ROWS, with_tiebreak


class IndexedSearchFilter(filters.SearchFilter):
    """``?search=`` through the model's search index (crm.core.fulltext) on views that set ``search_index =
    True``: a word that matches nothing is answered by the index instead of a LIKE scan of every row (0.6–1.4 s
    at a million customers). At most PROBE_ROWS + 1 matches, newest first, are listed; past that the count says
    "500+" and the user narrows the search. Other views keep DRF's ``search_fields`` behaviour."""

    def filter_queryset(self, request, queryset, view):
        if not getattr(view, "search_index", False):
            return super().filter_queryset(request, queryset, view)
        terms = " ".join(self.get_search_terms(request))
        if not terms:
            return queryset
        return queryset.filter(pk__in=find_matches(queryset, terms, PROBE_ROWS + 1))


class StableOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` that always ends with the primary key: rows with equal values (every A-level customer)
    come in the same order on every call, so paging neither repeats nor skips a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return with_tiebreak(list(ordering), queryset.model) if ordering else ordering
