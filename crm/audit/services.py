"""Writing the audit trail. Services call these explicitly, inside their own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models

from crm.audit.models import AuditEvent
from crm.core.bulk import chunks, insert_values
from crm.core.request_context import current_ip, current_request_id

# Fields of any model never worth a history line; a model names its own in ``audit_exclude`` (derived columns,
# bookkeeping), e.g. ``audit_exclude = ("search_text",)``. ``version`` moves with every save (core/concurrency.py).
_SKIPPED_FIELDS = frozenset({"updated_at", "created_at", "password", "last_login", "version"})


def _skipped_fields(model: type[models.Model]) -> frozenset[str]:
    return _SKIPPED_FIELDS.union(getattr(model, "audit_exclude", ()))


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


# Values stored in the JSON as they are (no conversion): checked by exact type, so a str or int subclass (a
# TextChoices member) still goes through _plain() and comes out exactly as before.
_AS_IS = frozenset({str, int, bool, float, type(None)})


@cache
def _audited_fields(model: type[models.Model]) -> tuple[tuple[str, str, models.Field | None], ...]:
    """(name, attname, the field if it is a relation) of each audited field of ``model``: worked out once per
    model rather than once per record (a bulk write snapshots 100,000 records)."""
    skipped = _skipped_fields(model)
    return tuple(
        (f.name, f.attname, f if f.is_relation else None) for f in model._meta.concrete_fields if f.name not in skipped
    )


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited state of a record: its concrete fields, foreign keys shown by their target's name."""
    state: dict[str, Any] = {}
    for name, attname, relation in _audited_fields(type(instance)):
        value = getattr(instance, attname)
        if relation is not None:
            state[name] = None if value is None else str(getattr(instance, name))
        elif type(value) in _AS_IS:
            state[name] = value
        else:
            state[name] = _plain(value)
    return state


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record_event(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    message: str = "",
    actor_name: str = "",
) -> AuditEvent:
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_name=actor_name or (actor.get_username() if is_user else ""),
        action=action,
        content_type=ContentType.objects.get_for_model(instance) if instance is not None else None,
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=str(instance)[:200] if instance is not None else "",
        changes=changes or {},
        message=message[:300],
        ip_address=current_ip(),
        request_id=current_request_id(),
    )


def record_create(*, actor: Any, instance: models.Model) -> AuditEvent:
    changes = created_changes(snapshot(instance))
    return record_event(actor=actor, action=AuditEvent.Action.CREATE, instance=instance, changes=changes)


def record_update(*, actor: Any, instance: models.Model, before: dict[str, Any],
                  extra: dict[str, Any] | None = None) -> AuditEvent | None:
    """Write the field diff since ``before`` (a snapshot()); nothing when nothing changed."""
    changes = diff(before, snapshot(instance))
    changes.update(extra or {})
    if not changes:
        return None
    return record_event(actor=actor, action=AuditEvent.Action.UPDATE, instance=instance, changes=changes)


def record_delete(*, actor: Any, instance: models.Model) -> AuditEvent:
    return record_event(actor=actor, action=AuditEvent.Action.DELETE, instance=instance)


def history_for(instance: models.Model):
    """Audit rows of one record, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    ).select_related("actor")


def record_export(*, actor: Any, model: type[models.Model], count: int, filters: dict[str, Any]) -> AuditEvent:
    """An export of ``count`` records of ``model`` with the filters the user had set."""
    return record_event(actor=actor, action=AuditEvent.Action.EXPORT,
                        changes={"model": model._meta.label_lower, "count": count, "filters": filters},
                        message=f"{model._meta.verbose_name_plural}: {count}")


def record_unmask(*, actor: Any, instance: models.Model, field: str) -> AuditEvent:
    """A user was shown the unmasked value of a sensitive field."""
    return record_event(actor=actor, action=AuditEvent.Action.UNMASK, instance=instance, changes={"field": field})


_M = TypeVar("_M", bound=models.Model)


def save_with_audit(*, actor: Any, instance: _M, data: dict[str, Any]) -> _M:
    """Sets ``data`` on ``instance``, validates, saves and writes the create or update row.

    For simple records whose services add no rule of their own (departments, roles, dictionary items…).
    """
    is_new = instance.pk is None
    before = {} if is_new else snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    if is_new:
        record_create(actor=actor, instance=instance)
    else:
        record_update(actor=actor, instance=instance, before=before)
    return instance


# --- Bulk writers: the same rows as record_event() / record_create() / record_update(), many at a time -----

# Audit rows per INSERT: large enough to be cheap per row, small enough for any database's parameter limit.
BULK_BATCH = 2000


def record_events(
    *,
    actor: Any,
    action: str,
    events: Iterable[tuple[models.Model, dict[str, Any]]],
    message: str = "",
    actor_name: str = "",
) -> list[int]:
    """One ``action`` row per (instance, changes), as record_event() writes it, in bulk INSERTs.

    For services that change many records at once (an import, the pool rule): their audit trail is the one the
    same changes made one by one would have left, at a fraction of the cost: plain rows (no model instances)
    through crm.core.bulk's prepared insert. Returns the new rows' ids."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    actor_id = actor.pk if is_user else None
    name = actor_name or (actor.get_username() if is_user else "")
    ip, request_id, message = current_ip(), current_request_id(), message[:300]
    types: dict[type[models.Model], int] = {}
    rows = []
    for instance, changes in events:
        model = type(instance)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(instance).pk
        rows.append(
            {
                "actor_id": actor_id,
                "actor_name": name,
                "action": action,
                "content_type_id": types[model],
                "object_id": str(instance.pk),
                "object_repr": str(instance)[:200],
                "changes": changes or {},
                "message": message,
                "ip_address": ip,
                "request_id": request_id,
            }
        )
    return [pk for batch in chunks(rows, BULK_BATCH) for pk in insert_values(AuditEvent, batch)]


def created_changes(state: dict[str, Any]) -> dict[str, list[Any]]:
    """The ``changes`` of a create row for a record in ``state`` (a snapshot()): every filled-in value."""
    # Every value but None, "", [] and {}. The values are JSON's (snapshot() made them so), whose only other
    # falsy ones are 0, 0.0 and False: those are kept, and nothing else falsy equals 0.
    return {k: [None, v] for k, v in state.items() if v or v == 0}


def record_creates(
    *,
    actor: Any,
    instances: Iterable[models.Model],
    state: Callable[[Any], dict[str, Any]] = snapshot,
) -> list[int]:
    """A create row for each saved instance, identical to record_create()'s. ``state`` is the audited state of
    one record when its service audits another one than snapshot() (e.g. with related values, or masked)."""
    return record_events(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        events=((instance, created_changes(state(instance))) for instance in instances),
    )


def record_updates(
    *,
    actor: Any,
    changes: Iterable[tuple[models.Model, dict[str, Any], dict[str, Any]]],
) -> list[int]:
    """An update row for each (instance, before, after) whose states differ, identical to record_update()'s;
    records with no change get no row."""
    events = [(instance, diff(before, after)) for instance, before, after in changes]
    return record_events(
        actor=actor, action=AuditEvent.Action.UPDATE, events=[(i, c) for i, c in events if c]
    )
