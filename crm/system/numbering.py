"""Document numbers (单据编号) from configurable sequences: prefix, date part, counter, reset per year or month.

A module registers its sequence in ``AppConfig.ready()``::

    register_sequence("sales.quote", _("Quote number"), default_prefix="BJ", date_part="year", reset="yearly",
                      padding=5, column="sales.Quote.number")

and takes numbers inside the transaction that writes the document::

    with transaction.atomic():
        quote.number = next_number("sales.quote")
        quote.save()

How the guarantees hold:

- **Unique under concurrency.** A number is taken by one conditional ``UPDATE … RETURNING`` of the sequence's
  row. PostgreSQL lets one transaction at a time hold that row: a second caller waits and then counts on from the
  first one's committed counter. SQLite has one writer at a time (transactions start ``IMMEDIATE``), so the same
  holds there.
- **Gap-free.** The counter moves inside the caller's transaction: a rollback gives the number back, and the
  next caller gets it. (A document deleted later leaves its number unused; nothing re-issues it.)
- **Unique across resets and format changes.** A reset is only allowed when the date part shows the period that
  resets (``clean()``), so a new year's 000001 differs from last year's. A format changed back to an old one
  could repeat a number: a registered ``column`` is checked and numbers already used there are skipped; the
  document's own unique constraint is the last guard.

Periods never go back: a ``when`` before the month of the sequence's last number counts as that month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import connections, router
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.core.errors import DomainError

if TYPE_CHECKING:
    from crm.system.models import NumberSequence

# A long run of numbers already used (a format changed back to an old one) is skipped in at most this many rounds.
MAX_SKIP_ROUNDS = 50


@dataclass(frozen=True)
class SequenceDefaults:
    """What a module registered: the label admins see and the format a new sequence starts with."""

    code: str
    label: Promise | str
    prefix: str = ""
    date_part: str = "year"
    separator: str = "-"
    reset: str = "yearly"
    padding: int = 6
    # "app_label.Model.field" holding the numbers, checked so that a number already used is never handed out.
    column: str | None = None


SEQUENCES: dict[str, SequenceDefaults] = {}


def register_sequence(
    code: str,
    label: Promise | str,
    *,
    default_prefix: str = "",
    date_part: str = "year",
    reset: str = "yearly",
    padding: int = 6,
    separator: str = "-",
    column: str | None = None,
) -> SequenceDefaults:
    """Declare a number sequence (call from ``AppConfig.ready()``). The database row is made on first use; an
    administrator may change its format later under System → Document numbers."""
    from crm.system.models import NumberSequence

    NumberSequence(
        code=code, prefix=default_prefix, date_part=date_part, reset=reset, padding=padding, separator=separator
    ).clean()  # a module cannot register a format that would repeat numbers
    SEQUENCES[code] = SequenceDefaults(code, label, default_prefix, date_part, separator, reset, padding, column)
    return SEQUENCES[code]


def sequence_row(code: str) -> NumberSequence:
    """The sequence's row, created with the registered defaults the first time."""
    from crm.system.models import NumberSequence

    defaults = _registered(code)
    row, _created = NumberSequence.objects.get_or_create(
        code=code,
        defaults={"prefix": defaults.prefix, "date_part": defaults.date_part, "separator": defaults.separator,
                  "reset": defaults.reset, "padding": defaults.padding},
    )
    return row


def stored_or_default(code: str) -> NumberSequence:
    """The stored sequence, or (never used yet) an unsaved one in its registered format: reading changes nothing."""
    from crm.system.models import NumberSequence

    defaults = _registered(code)
    return NumberSequence.objects.filter(code=code).first() or NumberSequence(
        code=code, prefix=defaults.prefix, date_part=defaults.date_part, separator=defaults.separator,
        padding=defaults.padding, reset=defaults.reset)


def period_of(when: dt.datetime | dt.date | None) -> str:
    """The month a number is taken in, ``YYYYMM``, in the company's time zone."""
    if when is None:
        when = timezone.now()
    if isinstance(when, dt.datetime):
        when = timezone.localtime(when) if timezone.is_aware(when) else when
    return f"{when.year:04d}{when.month:02d}"


def next_number(code: str, *, when: dt.datetime | dt.date | None = None) -> str:
    """The next number of sequence ``code``. Call it inside the transaction that stores the document."""
    return next_numbers(code, 1, when=when)[0]


def next_numbers(
    code: str, count: int, *, when: dt.datetime | dt.date | None = None, reserved: Collection[str] = ()
) -> list[str]:
    """``count`` consecutive numbers of sequence ``code`` (a bulk import's block), taken by one statement.

    Must run inside the caller's transaction (``transaction.atomic``): the numbers are theirs only once it
    commits, and a rollback returns them. ``reserved``: numbers the caller is about to write itself (an import's
    own number column), skipped like numbers already stored."""
    from crm.system.models import NumberSequence

    if count < 1:
        return []
    alias = router.db_for_write(NumberSequence)
    if not connections[alias].in_atomic_block:
        raise RuntimeError("next_numbers() must run inside the caller's transaction (transaction.atomic)")
    defaults = _registered(code)
    period = period_of(when)
    numbers = _reserve(alias, code, count, period)
    if numbers is None:
        sequence_row(code)
        numbers = _reserve(alias, code, count, period) or []
    reserved = set(reserved)
    used = _used_numbers(defaults, numbers) | reserved.intersection(numbers)
    rounds = 0
    while used:
        rounds += 1
        if rounds > MAX_SKIP_ROUNDS:
            raise DomainError(
                _("The numbers of %(label)s run into numbers already used. Change its prefix or format.")
                % {"label": defaults.label}
            )
        numbers = [number for number in numbers if number not in used]
        more = _reserve(alias, code, count - len(numbers), period) or []
        used = _used_numbers(defaults, more) | reserved.intersection(more)
        numbers += more
    return numbers


def preview_number(sequence: NumberSequence, *, when: dt.datetime | dt.date | None = None) -> str:
    """The number ``sequence`` (a NumberSequence, saved or not) would hand out next, changing nothing."""
    period = max(period_of(when), sequence.period or "")
    counter = sequence.counter + 1
    if sequence.starts_new_period(period):
        counter = 1
    defaults = SEQUENCES.get(sequence.code)
    for _round in range(MAX_SKIP_ROUNDS):
        block = [sequence.format_number(counter + i, period) for i in range(20)]
        used = _used_numbers(defaults, block) if defaults else set()
        free = [number for number in block if number not in used]
        if free:
            return free[0]
        counter += len(block)
    return sequence.format_number(counter, period)


# --- internals -------------------------------------------------------------------------------------------------


def _registered(code: str) -> SequenceDefaults:
    try:
        return SEQUENCES[code]
    except KeyError:
        message = f"No number sequence {code!r} is registered (register_sequence in AppConfig.ready())"
        raise LookupError(message) from None


# One statement takes the block: the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent callers
# queue, and the CASEs read the row as it is after the caller ahead committed. The period moves forward only.
_RESERVE_SQL = """
UPDATE {table} SET
    counter = CASE
        WHEN reset = 'yearly' AND %(year)s > substr(period, 1, 4) THEN %(count)s
        WHEN reset = 'monthly' AND %(period)s > period THEN %(count)s
        ELSE counter + %(count)s END,
    period = CASE WHEN period > %(period)s THEN period ELSE %(period)s END,
    updated_at = %(now)s
WHERE code = %(code)s
RETURNING counter, period, prefix, date_part, separator, padding
"""


def _reserve(alias: str, code: str, count: int, period: str) -> list[str] | None:
    """Move the counter on by ``count``: the numbers taken, or None when the sequence has no row yet."""
    from crm.system.models import NumberSequence

    params = {"year": period[:4], "period": period, "count": count, "now": timezone.now(), "code": code}
    with connections[alias].cursor() as cursor:
        cursor.execute(_RESERVE_SQL.format(table=connections[alias].ops.quote_name(NumberSequence._meta.db_table)),
                       params)
        row = cursor.fetchone()
    if row is None:
        return None
    last, period, prefix, date_part, separator, padding = row
    fmt = NumberSequence(code=code, prefix=prefix, date_part=date_part, separator=separator, padding=padding)
    return [fmt.format_number(counter, period) for counter in range(last - count + 1, last + 1)]


def _used_numbers(defaults: SequenceDefaults | None, numbers: list[str]) -> set[str]:
    """Which of ``numbers`` the registered column already holds (soft-deleted rows included).

    The block's numbers share a stem and, length by length, sort as their counters do: one range read of the
    column's index per length, not an IN list of a whole import's numbers."""
    if not numbers or defaults is None or not defaults.column:
        return set()
    app_label, model_name, field = defaults.column.split(".")
    model = apps.get_model(app_label, model_name)
    wanted = set(numbers)
    by_length: dict[int, list[str]] = {}
    for number in numbers:
        by_length.setdefault(len(number), []).append(number)
    used: set[str] = set()
    for group in by_length.values():
        found = (
            model._base_manager.filter(**{f"{field}__gte": min(group), f"{field}__lte": max(group)})
            .order_by()
            .values_list(field, flat=True)
        )
        used.update(number for number in found.iterator() if number in wanted)
    return used
