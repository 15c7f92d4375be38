"""What the public pool shows of a customer before someone claims it — one field list for every pool door: the
pool list (its columns and its search), the read-only 360° page and its timeline, and ``/api/v1/pool/``.

The profile a rep needs to decide whether to claim the customer (who, what kind, how big, where, how it was
worked); not the ways to reach it — phone, e-mail, address, remark, contacts — nor their history, which come with
the claim. The follow-ups are listed by type, subject, date and author, without their notes (free text where
numbers and addresses get written down). docs/pool-and-lifecycle.md says the same.
"""

from __future__ import annotations

from crm.core.fieldperms import hidden_fields
from crm.core.timeline import TimelineEntry, timeline_page
from crm.customers import timeline
from crm.customers.models import Customer

POOL_PREVIEW_FIELDS: tuple[str, ...] = (
    "number", "name", "kind", "customer_type", "industry", "scale", "source", "level", "credit_rating", "city",
    "lifecycle_stage", "department", "last_follow_up_at", "pool_entered_at", "created_at",
)


def preview_fields(user) -> list[str]:
    """The pool's field list minus what the user's role may not read anyway."""
    hidden = hidden_fields(user, Customer)
    return [name for name in POOL_PREVIEW_FIELDS if name not in hidden]


def _follow_ups(customer: Customer, user, before, limit: int) -> list[TimelineEntry]:
    return timeline.activities(customer, user, before, limit, action="pool", with_content=False)


def _changes(customer: Customer, user, before, limit: int) -> list[TimelineEntry]:
    return timeline.field_changes(customer, user, before, limit, fields=POOL_PREVIEW_FIELDS)


def _movements(customer: Customer, user, before, limit: int) -> list[TimelineEntry]:
    from crm.customers.services.pool import pool_timeline

    return pool_timeline(customer, user, before, limit)


def preview_timeline(customer: Customer, user, before=None) -> tuple[list[TimelineEntry], object]:
    """The pool page's timeline: follow-ups without notes, changes of the preview fields, pool movements. Other
    modules' entries wait for the claim too."""
    return timeline_page(customer, user, before, providers=[_follow_ups, _changes, _movements])
