"""A project's timeline: its milestones, newest first, one page at a time."""

from crm.core.timeline import TimelineEntry
from crm.testing_app.models import Milestone


def milestones(record, user, before, limit: int) -> list[TimelineEntry]:
    rows = Milestone.objects.visible_to(user).filter(project=record)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    return [TimelineEntry(at=m.created_at, kind="milestone", title=m.title, icon="flag")
            for m in rows.order_by("-created_at", "-id")[:limit]]
