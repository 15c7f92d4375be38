"""Which dictionaries exist, and reading them. Modules register their own kinds in AppConfig.ready()."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Suggested items of a kind: (code, Chinese label, English label), in their order.
SeedItem = tuple[str, str, str]


@dataclass(frozen=True)
class DictionaryKind:
    """One picklist a module owns, e.g. ``industry``; ``seed`` is what `crm demo` starts it with."""

    code: str
    label: Promise | str
    seed: tuple[SeedItem, ...] = ()


# code -> label of every registered kind: the admin page, the API and field messages read it. Empty until the
# modules' ready() registered theirs: the platform owns no picklist of its own.
KINDS: dict[str, Promise | str] = {}
_kinds: dict[str, DictionaryKind] = {}


def register_kind(code: str, label: Promise | str, seed: Iterable[SeedItem] = ()) -> DictionaryKind:
    """Called from a module's AppConfig.ready(): the kind appears on the dictionary page and in the API."""
    kind = DictionaryKind(code, label, tuple(seed))
    _kinds[code] = kind
    KINDS[code] = label
    return kind


def registered_kinds() -> list[DictionaryKind]:
    return list(_kinds.values())


def dictionary_choices(kind: str, include_inactive: bool = False) -> list[tuple[str, str]]:
    """[(code, label in the active language)] of one dictionary, in the admin's order."""
    english = (get_language() or "").startswith("en")
    return [(code, en if english else zh) for code, zh, en, active in _items(kind) if active or include_inactive]


def _items(kind: str) -> list[tuple[str, str, str, bool]]:
    """(code, zh, en, active) of one dictionary in the admin's order, cached: every list page's filters and every
    row's labels read them, and administrators change them rarely (forget_labels() on each change)."""
    from crm.system.models import DictionaryItem

    key = f"dictionary-items:{kind}"
    items = cache.get(key)
    if items is None:
        items = list(DictionaryItem.objects.filter(kind=kind).values_list("code", "label_zh", "label_en", "is_active"))
        cache.set(key, items, 300)
    return items


# {kind: (read at, {code: (zh, en)})}: a list page prints a label per row and column, and reading the shared
# cache unpickles the whole dictionary each time; a second's memo in the process is as fresh as people notice.
_memo: dict[str, tuple[float, dict[str, tuple[str, str]]]] = {}
MEMO_SECONDS = 1.0


def _labels(kind: str) -> dict[str, tuple[str, str]]:
    """{code: (zh, en)} of one dictionary."""
    now = time.monotonic()
    memo = _memo.get(kind)
    if memo is not None and now - memo[0] < MEMO_SECONDS:
        return memo[1]
    labels = {code: (zh, en) for code, zh, en, _active in _items(kind)}
    _memo[kind] = (now, labels)
    return labels


def dictionary_colours(kind: str) -> dict[str, str]:
    """{code: "#rrggbb"} of the items an administrator gave a colour (a level, a state), cached like the labels:
    a list reads it once per page."""
    from crm.system.models import DictionaryItem

    key = f"dictionary-colours:{kind}"
    colours = cache.get(key)
    if colours is None:
        colours = dict(DictionaryItem.objects.filter(kind=kind).exclude(color="").values_list("code", "color"))
        cache.set(key, colours, 300)
    return colours


def forget_labels(kind: str) -> None:
    _memo.pop(kind, None)
    cache.delete_many([f"dictionary-items:{kind}", f"dictionary-colours:{kind}"])


def forget_memo() -> None:
    """Drops this process's memo of every dictionary (a test that clears the cache clears this too)."""
    _memo.clear()


def dictionary_label(kind: str, code: str) -> str:
    """The label of a code; inactive items still read well on old records, unknown codes show as they are."""
    if not code:
        return ""
    zh, en = _labels(kind).get(code, (code, code))
    return en if (get_language() or "").startswith("en") else zh


_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")


@deconstructible
class DictionaryCodeValidator:
    """A field validator: the value must be an active code of ``kind`` (empty passes; blank=False requires one)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, value: str) -> None:
        from crm.system.models import DictionaryItem

        # A value that cannot be a code (see DictionaryItem.code) is refused without asking the database.
        if value and (not _CODE.match(str(value)) or
                      not DictionaryItem.objects.filter(kind=self.kind, code=value, is_active=True).exists()):
            raise ValidationError(_("“%(value)s” is not in the %(kind)s list."),
                                  params={"value": value, "kind": KINDS.get(self.kind, self.kind)},
                                  code="unknown_code")

    def __eq__(self, other) -> bool:
        return isinstance(other, DictionaryCodeValidator) and other.kind == self.kind


def validate_dictionary_code(kind: str) -> DictionaryCodeValidator:
    return DictionaryCodeValidator(kind)
