"""Field-level permissions, applied the same way to forms, detail pages and API serializers."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise


def model_label(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def hidden_fields(user, model) -> set[str]:
    return user.denied_read_fields(model_label(model))


def readonly_fields(user, model) -> set[str]:
    return user.denied_edit_fields(model_label(model))


def restrict_form(form, user, model) -> None:
    """Drop fields the user may not read; disable (and so ignore posted values of) fields they may not edit."""
    for name in hidden_fields(user, model):
        form.fields.pop(name, None)
    for name in readonly_fields(user, model):
        if name in form.fields:
            form.fields[name].disabled = True


def visible_field_values(
    user, instance: models.Model, names: list[str]
) -> list[tuple[str, str | Promise, object]]:
    """(name, verbose label, display value) for the detail page, without hidden fields."""
    hidden = hidden_fields(user, instance)
    rows: list[tuple[str, str | Promise, object]] = []
    for name in names:
        if name in hidden:
            continue
        field = instance._meta.get_field(name)
        label = field.verbose_name if isinstance(field, models.Field) else field.name  # a reverse relation has none
        display = getattr(instance, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(instance, name)
        rows.append((name, label, value))
    return rows
