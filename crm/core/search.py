"""Global search across entities. Each app registers a provider; the top-bar search and /api/v1/search/ ask
every provider (of a module the user may view) for the user's visible matches.

A provider is ``search(user, query, limit) -> list[SearchHit]``. It finds its matches through the search index
(``crm.core.fulltext.find_matches`` over ``Model.objects.visible_to(user)``, a ``CreateSearchIndex`` operation in
the app's migration), never by scanning the table; ``crm.customers.search`` is the example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class SearchHit:
    entity: str
    id: int
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class SearchProvider:
    entity: str
    label: Promise | str
    module: str
    # (user, query, limit) -> hits already restricted to the user's data scope.
    search: Callable[..., list[SearchHit]]


_providers: dict[str, SearchProvider] = {}


def register_search(provider: SearchProvider) -> None:
    """Add an entity to global search (from the app's ``ready()``); results are grouped in registration order."""
    _providers[provider.entity] = provider


def search_all(user, query: str, limit: int = 10) -> list[tuple[SearchProvider, list[SearchHit]]]:
    """Each provider the user may use, with up to ``limit`` of its hits for the query (at most 100 characters)."""
    query = query.strip()[:100]
    if not query:
        return []
    results = []
    for provider in _providers.values():
        if user.has_module_perm(provider.module, "view"):
            results.append((provider, provider.search(user, query, limit)))
    return results
