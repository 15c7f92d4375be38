"""The customers' entries on their 360° timeline: follow-ups and field changes."""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from crm.audit.models import AuditEvent
from crm.audit.presenting import present_events
from crm.core.timeline import TimelineEntry
from crm.customers.models import Activity, Customer

# Bootstrap Icons for the seeded follow-up types; a type an administrator adds shows the generic bubble.
FOLLOW_UP_ICONS = {"call": "telephone", "visit": "geo-alt", "wechat": "wechat", "meeting": "people",
                   "email": "envelope", "note": "journal-text"}


def activities(customer: Customer, user, before, limit, *, action: str = "view",
               with_content: bool = True) -> list[TimelineEntry]:
    """Follow-ups the user may see (``action``: the scope they are read through), newest first."""
    rows = Activity.objects.visible_to(user, action).filter(customer=customer).select_related("created_by")
    if before is not None:
        rows = rows.filter(occurred_at__lt=before)
    return [
        TimelineEntry(at=a.occurred_at, kind="activity", title=f"{a.get_kind_display()} · {a.subject}",
                      body=a.content if with_content else "", actor=str(a.created_by or ""),
                      icon=FOLLOW_UP_ICONS.get(a.kind, "chat-left-text"))
        for a in rows[:limit]
    ]


def field_changes(customer: Customer, user, before, limit, *, fields: Collection[str] | None = None
                  ) -> list[TimelineEntry]:
    """Creation and field changes, without fields the user's role may not read and, when ``fields`` is given,
    without any field outside it (what the page shows of the customer)."""
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk),
        action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE]).select_related("actor")
    if fields is not None:  # changes of other fields only: not even read
        events = events.filter(Q(action=AuditEvent.Action.CREATE) | Q(changes__has_any_keys=list(fields)))
    if before is not None:
        events = events.filter(created_at__lt=before)
    hidden = user.denied_read_fields("customers.customer")
    shown = []
    for event in events.select_related("content_type")[:limit]:
        # Only what the reader may see goes to the presenter (the row itself is not saved).
        event.changes = {k: v for k, v in event.changes.items() if k not in hidden and (fields is None or k in fields)}
        if event.action == AuditEvent.Action.UPDATE and not event.changes:
            continue
        shown.append(event)
    # The audit viewer's presenter: field and dictionary labels, people by name, in the reader's language.
    return [
        TimelineEntry(at=view.event.created_at, kind="change", title=view.action,
                      body="\n".join(row.as_text() for row in view.rows + view.more_rows)
                      if view.event.action == AuditEvent.Action.UPDATE else "",
                      actor=view.actor, icon="pencil")
        for view in present_events(shown, user)
    ]
