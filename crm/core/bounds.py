"""The bounds a business would use for dates and counts of days: one place, read by the models' validators (so a
form, the API and an import refuse the same values with the same message) and by filters and query strings.

Without them a follow-up dated 9999-12-31 was accepted and then every page adding a day to it failed, a filter
from 0001-01-01 overflowed when shifted to UTC, and a pool rule of 2^63 days overflowed the database. The numbers
are documented in docs/configuration.md ("Bounds on input").
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

#: Any date typed in (a filter, a holiday, a greeting day) lies in this window: far enough for history and
#: planning, near enough that shifting it by a time zone or a year never leaves the calendar.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
#: A follow-up happened at most this many years ago and at most a year ahead (one logged in advance); the next
#: follow-up is planned at most this many years ahead.
FOLLOW_UP_YEARS_BACK = 20
FOLLOW_UP_YEARS_AHEAD = 1
NEXT_FOLLOW_UP_YEARS_AHEAD = 5
#: Pool rules and lifecycle thresholds count days: ten years is more than any business waits.
MAX_DAYS = 3650


def company_today() -> dt.date:
    return timezone.localdate()


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def _day(value: dt.date) -> str:
    return date_format(value, "Y-m-d")


def _in_window(value: dt.date | dt.datetime) -> bool:
    try:
        return EARLIEST_DATE <= _as_date(value) <= LATEST_DATE
    except OverflowError:  # 9999-12-31T23:00-05:00 is in year 10000 here
        return False


def validate_calendar_date(value: dt.date | dt.datetime | None) -> None:
    """Refuses a date (or the day of a date-time) outside EARLIEST_DATE … LATEST_DATE."""
    if value is not None and not _in_window(value):
        raise ValidationError(_("Enter a date between %(earliest)s and %(latest)s."), code="date_out_of_range",
                              params={"earliest": _day(EARLIEST_DATE), "latest": _day(LATEST_DATE)})


def validate_calendar_range(value: slice | None) -> None:
    """The same for a from–to filter's range (django-filter hands it over as a slice)."""
    if value is not None:
        validate_calendar_date(value.start)
        validate_calendar_date(value.stop)


def validate_past_date(value: dt.date | None) -> None:
    """A date that has happened: a birthday, an order. Not after today, not before EARLIEST_DATE."""
    if value is None:
        return
    if not _in_window(value):
        raise ValidationError(_("Enter a date between %(earliest)s and today."), code="date_out_of_range",
                              params={"earliest": _day(EARLIEST_DATE)})
    if _as_date(value) > company_today():
        raise ValidationError(_("This date is in the future."), code="date_in_future")


def validate_follow_up_time(value: dt.datetime | None) -> None:
    """When a follow-up happened: within FOLLOW_UP_YEARS_BACK years before today and FOLLOW_UP_YEARS_AHEAD
    after."""
    if value is None:
        return
    today = company_today()
    earliest, latest = _years_from(today, -FOLLOW_UP_YEARS_BACK), _years_from(today, FOLLOW_UP_YEARS_AHEAD)
    if not _in_window(value) or not earliest <= _as_date(value) <= latest:
        raise ValidationError(_("A follow-up must fall between %(earliest)s and %(latest)s."),
                              code="date_out_of_range", params={"earliest": _day(earliest), "latest": _day(latest)})


def validate_next_follow_up_time(value: dt.datetime | None) -> None:
    """When the next follow-up is planned: at most NEXT_FOLLOW_UP_YEARS_AHEAD years from today (and, like any
    date, not before EARLIEST_DATE; that it comes after the follow-up itself is the model's rule)."""
    if value is None:
        return
    latest = _years_from(company_today(), NEXT_FOLLOW_UP_YEARS_AHEAD)
    if not _in_window(value) or not _as_date(value) <= latest:
        raise ValidationError(_("Plan the next follow-up before %(latest)s."), code="date_out_of_range",
                              params={"latest": _day(latest)})


def max_days_validator() -> MaxValueValidator:
    return MaxValueValidator(MAX_DAYS, message=_("At most %(limit_value)s days (ten years)."))
