"""What a notification or reminder says, kept untranslated until somebody reads it.

A row stores a message kind's code and the kind's parameters as JSON (names, counts, dates, codes); the words
are made when the row is shown — the list page, the home widget, the API, the e-mail — in the language active
then, i.e. the reader's. So a reminder a Chinese-speaking colleague scheduled reads in English to an
English-speaking owner, and a dictionary label renamed since reads as it is called today. The module that
sends a message registers its kinds (in its AppConfig.ready()), with the gettext calls in their renderers, where
makemessages finds them; the platform itself names no domain.

Parameters are what the sender knew, not words: user-typed text (a follow-up's subject) stays as typed, a
translatable value (a reason, a dictionary entry) is stored as its code and labelled by the renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One message to store: its kind's code and the parameters it is rendered with."""

    kind: str
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class MessageKind:
    """A kind of message: ``title`` and ``body`` put its parameters into words in the active language."""

    code: str
    title: Callable[[Params], str]
    body: Callable[[Params], str] | None = None

    def __call__(self, **params: Any) -> Message:
        return Message(self.code, params)


_KINDS: dict[str, MessageKind] = {}


def register_message_kind(kind: MessageKind) -> MessageKind:
    _KINDS[kind.code] = kind
    return kind


def get_message_kind(code: str) -> MessageKind | None:
    return _KINDS.get(code)


def render(code: str, params: Params) -> tuple[str, str] | None:
    """(title, body) in the active language; None for a kind nobody registers any more, or parameters its
    renderer cannot read (written by an older version): the caller shows what the row holds instead."""
    kind = _KINDS.get(code)
    if kind is None:
        return None
    try:
        return kind.title(params), kind.body(params) if kind.body else ""
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def scrub_params(value: Any, scrub: Callable[[str], str]) -> Any:
    """``value`` with ``scrub`` applied to every string in it (erasing a person's data from stored messages)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrub_params(item, scrub) for item in value]
    if isinstance(value, dict):
        return {key: scrub_params(item, scrub) for key, item in value.items()}
    return value
