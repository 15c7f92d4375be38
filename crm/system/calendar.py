"""Working time, from the system settings and the holiday calendar (with 调休 make-up days)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from crm.system.models import Holiday, SystemSettings


def _day_kinds(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(Holiday.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def is_working_day(day: dt.date, settings: SystemSettings | None = None,
                   holidays: dict[dt.date, bool] | None = None) -> bool:
    settings = settings or SystemSettings.current()
    holidays = _day_kinds(day, day) if holidays is None else holidays
    if day in holidays:
        return holidays[day]  # a holiday is off, a make-up day is worked, whatever the weekday
    return day.isoweekday() in settings.work_days


def is_working_time(moment: dt.datetime) -> bool:
    settings = SystemSettings.current()
    local = moment.astimezone(zoneinfo.ZoneInfo(settings.time_zone))
    return is_working_day(local.date(), settings) and settings.work_start <= local.time() < settings.work_end


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment ``hours`` of working time after ``start`` (for SLA deadlines). Timezone-aware in and out."""
    settings = SystemSettings.current()
    zone = zoneinfo.ZoneInfo(settings.time_zone)
    moment = start.astimezone(zone)
    remaining = dt.timedelta(hours=hours)
    holidays = _day_kinds(moment.date(), moment.date() + dt.timedelta(days=int(hours) + 400))
    for _ in range(3660):  # ten years of days at most: a broken calendar cannot loop forever
        day = moment.date()
        if is_working_day(day, settings, holidays):
            day_start = dt.datetime.combine(day, settings.work_start, zone)
            day_end = dt.datetime.combine(day, settings.work_end, zone)
            moment = max(moment, day_start)
            if moment < day_end:
                available = day_end - moment
                if remaining <= available:
                    return moment + remaining
                remaining -= available
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    raise ValueError("No working time found in the calendar")
