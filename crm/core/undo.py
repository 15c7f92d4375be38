"""One "Undo" after a destructive action: the view that did it leaves an offer in the session, and the next page
shows it once beside its messages (base.html) as a button that posts the reverse action. The reverse action is
an ordinary POST checked by its own service (e.g. a restore allowed to whoever deleted, for a while), so an
offer replayed later or forged gains nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SESSION_KEY = "crm_undo_offer"


def offer_undo(request, *, url: str, fields: Iterable[tuple[str, Any]], text: str) -> None:
    """Shows ``text`` with an Undo button posting ``fields`` to ``url`` on the user's next page."""
    request.session[SESSION_KEY] = {"url": url, "fields": [(name, str(value)) for name, value in fields],
                                    "text": str(text)}


def take_undo_offer(request) -> dict[str, Any] | None:
    """The pending offer, removed as it is read: a page shows it once."""
    session = getattr(request, "session", None)
    return session.pop(SESSION_KEY, None) if session is not None else None
