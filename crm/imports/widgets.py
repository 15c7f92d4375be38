"""The home page's "imports" widget (registered in ImportsConfig.ready()): an admin's view of every import
job lately, and anyone else's own while they have any."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.dashboard import Widget
from crm.imports.models import ImportJob

SHOWN = 5
RECENT_DAYS = 30


def import_jobs_widget(user) -> dict | None:
    recent = ImportJob.objects.visible_to(user).filter(created_at__gte=timezone.now() - dt.timedelta(days=RECENT_DAYS))
    jobs = list(recent.select_related("user").order_by("-created_at", "-id")[:SHOWN])
    if not jobs and not user.is_superuser:
        return None  # a rep who never imports has no use for an empty box
    failed = recent.filter(status=ImportJob.Status.FAILED).count()
    running = recent.filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]).count()
    return {"jobs": jobs, "failed": failed, "running": running, "days": RECENT_DAYS}


IMPORT_JOBS = Widget(code="imports.jobs", title=_("Imports"), template="imports/widgets/_jobs.html",
                     context=import_jobs_widget, order=80, size="third")
