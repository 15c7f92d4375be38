"""Dictionaries (数据字典) and system-wide settings: what admins change without code."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm.core.bounds import validate_calendar_date
from crm.core.models import TimeStampedModel


class DictionaryItem(TimeStampedModel):
    """One entry of a picklist (an industry, a source, a level…). ``kind`` names the list; see dictionaries.py."""

    kind = models.CharField(_("dictionary"), max_length=50, db_index=True)
    code = models.CharField(_("code"), max_length=50,
                            validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Use letters, digits, _ . or -."))])
    label_zh = models.CharField(_("Chinese label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    color = models.CharField(_("colour"), max_length=7, blank=True,
                             validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("A colour like #1677ff."))])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "sort_order", "code"]
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="dictionary_unique_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.label_en if (get_language() or "").startswith("en") else self.label_zh


class SystemSettings(TimeStampedModel):
    """The one row of company-wide settings; read through ``SystemSettings.current()``."""

    CACHE_KEY = "system-settings"

    company_name = models.CharField(_("company name"), max_length=200, default="")
    currency = models.CharField(_("currency"), max_length=3, default="CNY",
                                validators=[RegexValidator(r"^[A-Z]{3}$", _("A three-letter code like CNY."))])
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    fiscal_year_start_month = models.PositiveSmallIntegerField(_("fiscal year starts in month"), default=1)
    work_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    work_end = models.TimeField(_("working day ends"), default=dt.time(18, 0))
    # ISO weekdays, 1 = Monday … 7 = Sunday.
    work_days = models.JSONField(_("working days"), default=list)

    class Meta:
        ordering = ["id"]
        verbose_name = _("system settings")
        verbose_name_plural = _("system settings")

    def __str__(self) -> str:
        return str(_("System settings"))

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if not 1 <= self.fiscal_year_start_month <= 12:
            errors["fiscal_year_start_month"] = _("A month from 1 to 12.")
        if self.work_start >= self.work_end:
            errors["work_end"] = _("The working day must end after it starts.")
        days = self.work_days
        # A JSON column takes any JSON (the API's `true`, `"1"`): only a list of ISO weekdays is working days.
        if not isinstance(days, list) or not days or any(type(day) is not int or not 1 <= day <= 7 for day in days):
            errors["work_days"] = _("Choose at least one working day.")
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Asia"
            errors["time_zone"] = _("Unknown time zone.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> SystemSettings:
        settings = cache.get(cls.CACHE_KEY)
        if settings is None:
            settings = cls.objects.order_by("id").first() or cls.objects.create(work_days=[1, 2, 3, 4, 5])
            cache.set(cls.CACHE_KEY, settings, 300)
        return settings


class Holiday(TimeStampedModel):
    """A public holiday, or (``is_workday``) a weekend day worked in exchange (调休)."""

    date = models.DateField(_("date"), unique=True, validators=[validate_calendar_date])
    name = models.CharField(_("name"), max_length=100)
    is_workday = models.BooleanField(_("make-up working day"), default=False)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class NumberSequence(TimeStampedModel):
    """The format and counter of one kind of document number (单据编号), e.g. 客户编号 KH2026-000001.

    Modules declare sequences with ``crm.system.numbering.register_sequence``; the row is made on first use and
    numbers are taken with ``next_number()``. ``period`` (YYYYMM) is the month of the last number taken and
    ``counter`` the last counter used in its reset period."""

    class DatePart(models.TextChoices):
        NONE = "none", _("None")
        YEAR = "year", _("Year (2026)")
        MONTH = "month", _("Year and month (202605)")

    class Reset(models.TextChoices):
        NEVER = "never", _("Never")
        YEARLY = "yearly", _("Every year")
        MONTHLY = "monthly", _("Every month")

    code = models.CharField(_("sequence"), max_length=100, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=20, blank=True,
                              validators=[RegexValidator(r"^[\w\-/.]*$", _("Use letters, digits, - _ / or ."))])
    date_part = models.CharField(_("date part"), max_length=10, choices=DatePart.choices, default=DatePart.YEAR)
    separator = models.CharField(_("separator after the date"), max_length=3, blank=True, default="-",
                                 validators=[RegexValidator(r"^[\-/._]*$", _("Use - / . or _."))])
    padding = models.PositiveSmallIntegerField(_("counter digits"), default=6)
    reset = models.CharField(_("counter starts again"), max_length=10, choices=Reset.choices,
                             default=Reset.YEARLY)
    period = models.CharField(_("current period"), max_length=6, blank=True, default="", editable=False)
    counter = models.PositiveBigIntegerField(_("last counter"), default=0, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        from crm.system.numbering import SEQUENCES

        registered = SEQUENCES.get(self.code)
        return str(registered.label) if registered else self.code

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if not 1 <= (self.padding or 0) <= 12:
            errors["padding"] = _("From 1 to 12 digits.")
        # The counter may only start again when the number shows the period it restarts in; otherwise
        # January's 000001 would repeat last January's.
        if self.reset == self.Reset.YEARLY and self.date_part == self.DatePart.NONE:
            errors["reset"] = _("A counter that starts again every year needs the year in the number.")
        if self.reset == self.Reset.MONTHLY and self.date_part != self.DatePart.MONTH:
            errors["reset"] = _("A counter that starts again every month needs the year and month in the number.")
        if errors:
            raise ValidationError(errors)

    def starts_new_period(self, period: str) -> bool:
        """Whether a number taken in ``period`` (YYYYMM, not before self.period) starts the counter again."""
        if self.reset == self.Reset.YEARLY:
            return period[:4] > self.period[:4]
        if self.reset == self.Reset.MONTHLY:
            return period > self.period
        return False

    def format_number(self, counter: int, period: str) -> str:
        """``counter`` written in this format for ``period`` (YYYYMM): prefix, date part, separator, digits."""
        date = {self.DatePart.YEAR: period[:4], self.DatePart.MONTH: period[:6]}.get(self.date_part, "")
        return f"{self.prefix}{date}{self.separator if date else ''}{counter:0{self.padding}d}"
