"""What the audit trail knows of each module: the record types it audits and the actions of its own.

A module registers both in its AppConfig.ready() with ``register_audit``; the audit page's and the API's
"record type" and "action" filters, and the label of each row's action, are read from here. The platform's own
actions (create, update, delete, log-in, export…) are ``AuditEvent.Action``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.functional import Promise

# "app_label.model_name" of every audited model, in registration order.
_record_types: dict[str, None] = {}
# action code -> label of the actions modules add (e.g. customers' "pool_claim").
_actions: dict[str, Promise | str] = {}


def register_audit(*, record_types: Iterable[str] = (), actions: Mapping[str, Promise | str] | None = None) -> None:
    """``record_types``: labels of the models whose changes the module audits; ``actions``: {code: label}."""
    from crm.audit.models import AuditEvent

    for label in record_types:
        _record_types[label.lower()] = None
    for code, label in (actions or {}).items():
        if code in AuditEvent.Action.values:
            raise ValueError(f"audit action {code!r} is the platform's own")
        if len(code) > 20:
            raise ValueError(f"audit action {code!r} is longer than 20 characters")
        _actions[code] = label


def record_types() -> list[str]:
    return list(_record_types)


def action_choices() -> list[tuple[str, Promise | str]]:
    """The platform's actions, then every registered one: the choices of ``AuditEvent.action``."""
    from crm.audit.models import AuditEvent

    return [*AuditEvent.Action.choices, *_actions.items()]


def record_type_queryset(request=None):
    """Content types of the registered record types, for the "record type" filter."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    query = Q(pk__in=[])
    for label in _record_types:
        app_label, model = label.split(".")
        query |= Q(app_label=app_label, model=model)
    return ContentType.objects.filter(query).order_by("app_label", "model")
