"""Records a user opened lately, for the home page's "recently viewed" widget.

Every scoped record's page (``ScopedDetailView``) calls ``record_view``; the widget calls ``recently_viewed``,
which reads the records again through their own ``visible_to(user)``: a customer reassigned to another team
since it was opened is not listed, and the names shown are today's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.utils import timezone

from crm.core.models import RecentView

if TYPE_CHECKING:
    from crm.accounts.models import User

KEPT = 20  # rows kept per user; the widget shows fewer


def record_view(user: User, record: Any) -> None:
    """Moves ``record`` to the top of ``user``'s recently viewed. One upsert (and, now and then, a trim): cheap
    enough for every page view, and a failure here never costs the user the page."""
    if not user.is_authenticated or record.pk is None:
        return
    content_type = ContentType.objects.get_for_model(record)
    try:
        with transaction.atomic():
            RecentView.objects.bulk_create(
                [RecentView(user=user, content_type=content_type, object_id=record.pk, viewed_at=timezone.now())],
                update_conflicts=True, unique_fields=["user", "content_type", "object_id"],
                update_fields=["viewed_at"])
            stale = list(RecentView.objects.filter(user=user).order_by("-viewed_at", "-id")
                         .values_list("pk", flat=True)[KEPT:KEPT + 50])
            if stale:
                RecentView.objects.filter(pk__in=stale).delete()
    except DatabaseError:  # a busy database: the page matters more than the list of recent pages
        return


def recently_viewed(user: User, limit: int = 8) -> list[Any]:
    """The records ``user`` opened lately and may still see, most recent first."""
    rows = list(RecentView.objects.filter(user=user).order_by("-viewed_at", "-id")
                .values_list("content_type_id", "object_id")[:KEPT])
    wanted: dict[int, list[int]] = {}
    for content_type_id, object_id in rows:
        wanted.setdefault(content_type_id, []).append(object_id)
    found: dict[tuple[int, int], Any] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        manager = getattr(model, "objects", None)
        if manager is None or not hasattr(manager, "visible_to"):
            continue
        for record in manager.visible_to(user).filter(pk__in=ids):
            found[(content_type_id, record.pk)] = record
    return [found[key] for key in rows if key in found][:limit]
