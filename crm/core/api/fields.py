"""Serializer fields every module's API shares."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.core.bounds import validate_calendar_date
from crm.core.parsing import MAX_ID


class IdField(serializers.IntegerField):
    """A record id in a request body: a whole number from 1 to 2^63-1, the range of the database's keys. An id
    past 64 bits is refused with the field's message instead of overflowing the database driver."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def id_list(**kwargs: Any) -> serializers.ListField:
    """A list of record ids (``ids``, ``merged``); ``max_length`` and the like pass through."""
    return serializers.ListField(child=IdField(), **kwargs)


# A date written the ISO way whose day does not exist (2026-02-30, 2024-13-45): "no such date", not "wrong format".
_ISO_DAY = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?\s*")


def _no_such_date(value: object) -> bool:
    match = _ISO_DAY.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return False
    try:
        dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return True
    return False


class CalendarDateField(serializers.DateField):
    """DRF's DateField, telling a day that does not exist from a wrong format."""

    default_error_messages = {"no_such_date": _("There is no such date: {value}.")}

    def to_internal_value(self, value):
        if _no_such_date(value):
            self.fail("no_such_date", value=str(value).strip()[:40])
        return super().to_internal_value(value)


class CalendarDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, telling a day that does not exist from a wrong format, and refusing a moment that
    leaves the calendar when shifted to UTC (0001-01-01T00:00+08:00) instead of overflowing."""

    default_error_messages = {"no_such_date": _("There is no such date: {value}.")}

    def to_internal_value(self, value):
        if _no_such_date(value):
            self.fail("no_such_date", value=str(value).strip()[:40])
        try:
            return super().to_internal_value(value)
        except OverflowError as error:
            raise serializers.ValidationError(validation_message(validate_calendar_date, dt.datetime.min)) from error


def validation_message(validator, value) -> list[str]:
    """The messages ``validator`` gives for ``value``."""
    try:
        validator(value)
    except DjangoValidationError as error:
        return error.messages
    return []


def use_calendar_date_fields() -> None:
    """Every ModelSerializer maps date and date-time columns to the fields above (called once, from
    CoreConfig.ready()): one message for a day that does not exist, whichever module's API is asked."""
    mapping = serializers.ModelSerializer.serializer_field_mapping
    mapping[models.DateField] = CalendarDateField
    mapping[models.DateTimeField] = CalendarDateTimeField
