"""One paged timeline per record, fed by every module through registered providers.

A provider is ``fn(record, user, before, limit) -> list[TimelineEntry]`` returning at most ``limit`` entries older
than ``before`` (a datetime, or None for the newest), newest first, already limited to what ``user`` may see.
Customers register follow-ups and field changes; opportunities, orders, tickets… register theirs when they land.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class TimelineEntry:
    at: dt.datetime
    kind: str = field(compare=False)  # e.g. "activity", "change"
    title: str = field(compare=False)
    body: str = field(compare=False, default="")
    actor: str = field(compare=False, default="")
    url: str = field(compare=False, default="")
    icon: str = field(compare=False, default="dot")


Provider = Callable[..., list[TimelineEntry]]
_providers: dict[str, list[Provider]] = {}


def register_timeline(model_label: str, provider: Provider) -> None:
    """Adds ``provider`` to the timeline of ``model_label`` ("app_label.model", any case, as panels); the same
    provider registered again is kept once."""
    providers = _providers.setdefault(model_label.lower(), [])
    if provider not in providers:
        providers.append(provider)


def unregister_timeline(model_label: str, provider: Provider) -> None:
    providers = _providers.get(model_label.lower(), [])
    if provider in providers:
        providers.remove(provider)


def timeline_page(record, user, before: dt.datetime | None = None, limit: int = 20,
                  providers: list[Provider] | None = None):
    """(entries, cursor for the next page or None). Each provider is asked for one page; the merge keeps the
    newest ``limit``, so paging stays correct however the entries interleave. ``providers`` replaces the
    registered ones for a page that shows less of the record (the public pool's preview)."""
    label = record._meta.label_lower
    chosen = _providers.get(label, []) if providers is None else providers
    streams = [provider(record, user, before, limit + 1) for provider in chosen]
    merged = list(heapq.merge(*streams, reverse=True))
    page = merged[:limit]
    cursor = page[-1].at if len(merged) > limit and page else None
    return page, cursor
