"""Filter backends shared by every API list."""

from __future__ import annotations

from rest_framework import filters

from crm.core.fulltext import search_list
from crm.core.pagination import with_tiebreak


class IndexedSearchFilter(filters.SearchFilter):
    """``?search=`` through the model's search index (crm.core.fulltext) on views that set ``search_index =
    True``: a word that matches nothing is answered by the index instead of a LIKE scan of every row (0.6–1.4 s
    at a million customers). The best matches are listed (``search_list``). Other views keep DRF's
    ``search_fields`` behaviour."""

    def filter_queryset(self, request, queryset, view):
        if not getattr(view, "search_index", False):
            return super().filter_queryset(request, queryset, view)
        terms = " ".join(self.get_search_terms(request))
        if not terms:
            return queryset
        return search_list(queryset, terms)


class StableOrderingFilter(filters.OrderingFilter):
    """``?ordering=`` that always ends with the primary key: rows with equal values (every A-level customer)
    come in the same order on every call, so paging neither repeats nor skips a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return with_tiebreak(list(ordering), queryset.model) if ordering else ordering
