"""Integers, ids and dates from query strings and forms: one reading for every door.

``str.isdigit()`` is true for Unicode digits such as ``²`` or ``①`` that ``int()`` refuses, and an id past 64
bits makes the database driver raise ``OverflowError``; both were 500s. Here an integer is ASCII digits only (an
optional leading minus where negatives make sense), within bounds the database can hold, and anything else is
"not given" — the caller falls back to its default or answers 400, as it would for any other bad value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

#: The largest id the database holds (a signed 64-bit primary key, PostgreSQL's bigint and SQLite's INTEGER).
MAX_ID = 2**63 - 1
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_int(raw: object, *, default: int | None = None, min_value: int | None = None,
              max_value: int | None = None) -> int | None:
    """``raw`` as an integer if it is one written in ASCII digits within [min_value, max_value] (and within
    64 bits), else ``default``. Surrounding spaces are allowed; ``True``/``False`` are not integers."""
    if isinstance(raw, bool):
        return default
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip() if raw is not None else ""
        if not _ASCII_INTEGER.fullmatch(text):
            return default
        value = int(text)
    if not -MAX_ID - 1 <= value <= MAX_ID:
        return default
    if (min_value is not None and value < min_value) or (max_value is not None and value > max_value):
        return default
    return value


def parse_id(raw: object) -> int | None:
    """A primary key (1 … 2^63-1) from a query string or form value, or None."""
    return parse_int(raw, min_value=1, max_value=MAX_ID)


def parse_ids(values: Iterable[object]) -> list[int]:
    """The valid ids among ``values`` (e.g. ``request.POST.getlist("ids")``), first occurrence kept, in order;
    anything that is not an id is left out."""
    ids: dict[int, None] = {}
    for value in values:
        pk = parse_id(value)
        if pk is not None:
            ids.setdefault(pk)
    return list(ids)


def parse_datetime_param(raw: object) -> dt.datetime | None:
    """An ISO date-time from a query string (e.g. a timeline cursor), or None when it is missing, malformed or
    names no such moment (``2024-13-45T00:00:00``: Django's parser raises ValueError for those). A time without
    an offset is in the current time zone."""
    try:
        moment = parse_datetime(str(raw or "").strip()[:64])
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # Near year 1 or 9999 a shift to UTC leaves the calendar: such a moment is no cursor either.
        if moment is not None:
            moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return moment


def parse_date_param(raw: object) -> dt.date | None:
    """An ISO date from a query string, or None (missing, malformed or no such day)."""
    try:
        return parse_date(str(raw or "").strip()[:32])
    except ValueError:
        return None
