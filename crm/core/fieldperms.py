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


def masked_fields(model) -> tuple[str, ...]:
    """Fields every page and the API show masked (138****1234) unless the role may unmask: the model's
    ``SENSITIVE_FIELDS``."""
    return tuple(getattr(model, "SENSITIVE_FIELDS", ()))


def unsearchable_fields(user, model) -> set[str]:
    """Fields ``user`` may not search, filter or sort by: those their role may not read, and masked ones unless
    they may unmask (an exact filter on a masked value would confirm its hidden digits, one guess at a time).

    The one rule every door asks: list search (``crm.core.fulltext``), global search, filters
    (``restrict_filterset``) and orderings (page ``?sort=``, API ``?ordering=``)."""
    denied = set(hidden_fields(user, model))
    masked = masked_fields(model)
    module = getattr(model, "module", "")
    if masked and not (module and user.has_module_perm(module, "unmask")):
        denied.update(masked)
    return denied


def walks_unsearchable(user, model, path: str) -> bool:
    """True when the lookup path (``phone``, ``customer__phone``, ``occurred_at__gte``) goes through a field
    ``user`` may not search by, on ``model`` or on a model it leads to."""
    from django.core.exceptions import FieldDoesNotExist

    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup (gte, year…) or a name that is no field (a filter's method)
        if part in unsearchable_fields(user, current):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    return False


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
