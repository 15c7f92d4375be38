"""Per-role settings that modules add to the role: a limit, a threshold, a switch…

A module registers each of its settings in its AppConfig.ready()::

    register_role_setting(RoleSetting(
        code="customers.pool_claim_limit", label=_("Public pool claim limit"),
        field=lambda: forms.IntegerField(min_value=0, required=False), combine=most_generous))

The value of each role is stored in ``Role.settings`` ({code: value}, JSON); a role that never set it has the
``default``. The role page shows a field for every registered setting, and ``validate_role_settings`` checks
input from any door (page or API) with the same form fields. ``user.role_setting(code)`` reads a user's value:
the values of all their roles, combined by the setting's ``combine``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def most_generous(values: Iterable[Any]) -> Any:
    """The largest value, where None means "no limit" and beats any number."""
    values = list(values)
    if not values or None in values:
        return None
    return max(values)


@dataclass(frozen=True)
class RoleSetting:
    """One setting a module adds to every role.

    ``field`` builds the form field that shows and validates the value (its cleaned value must be JSON: a
    number, text, a boolean, None or a list); ``combine`` turns the values of a user's roles into theirs;
    ``superuser`` is a superuser's value whatever their roles say.
    """

    code: str
    label: Promise | str
    field: Callable[[], forms.Field]
    default: Any = None
    combine: Callable[[Iterable[Any]], Any] = most_generous
    superuser: Any = None
    help_text: Promise | str = ""

    def form_field(self) -> forms.Field:
        field = self.field()
        field.label = capfirst(self.label)
        if self.help_text:
            field.help_text = self.help_text
        return field


_settings: dict[str, RoleSetting] = {}


def register_role_setting(setting: RoleSetting) -> RoleSetting:
    if "." not in setting.code:
        raise ValueError(f"role setting {setting.code!r} must be named module.setting")
    _settings[setting.code] = setting
    return setting


def role_settings() -> list[RoleSetting]:
    """Every registered setting, in registration order: for the role page and the roles API."""
    return list(_settings.values())


def get_role_setting(code: str) -> RoleSetting:
    return _settings[code]


def role_setting_value(stored: Mapping[str, Any], code: str) -> Any:
    """One role's value of a setting: what it stored, else the setting's default."""
    return stored.get(code, _settings[code].default)


def validate_role_settings(data: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings a role will store after ``data`` ({code: raw value}) is applied to ``current``.

    Raises ValidationError({code: [messages]}) for an unknown code or a value its form field refuses; codes
    absent from ``data`` keep their current value. Used by the role page and the roles API alike.
    """
    result = dict(current or {})
    errors: dict[str, list[str]] = {}
    for code, raw in data.items():
        setting = _settings.get(code)
        if setting is None:
            errors[code] = [_("Unknown setting.")]
            continue
        try:
            result[code] = setting.form_field().clean(raw)
        except ValidationError as error:
            errors[code] = error.messages
    if errors:
        raise ValidationError(errors)
    return result


def combined_value(code: str, stored_per_role: Iterable[Mapping[str, Any]], *, is_superuser: bool) -> Any:
    """A user's value of a setting, from the stored settings of each of their roles."""
    setting = _settings[code]
    if is_superuser:
        return setting.superuser
    rows = list(stored_per_role)
    if not rows:
        return setting.default
    return setting.combine(role_setting_value(row, code) for row in rows)
