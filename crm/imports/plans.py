"""The preview's plan, kept for the run: an importer saves what its dry run decided (``Analysis.saved``) and,
at run time, re-checks only what may have changed since instead of the whole file.

The generic part lives here — when a saved plan may still be followed, the high-water marks taken before a
check, the fingerprint of what the rows were validated against; what to re-check is the importer's own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# The preview's plan is what the run writes for this long; after that the run checks every row again.
PLAN_LIFETIME = dt.timedelta(hours=24)
# Transactions still open during a check commit rows stamped with the time they were written, not the time they
# became visible: "changed since" looks this much further back.
CHANGE_MARGIN = dt.timedelta(minutes=10)


def high_water_marks(*tables: type[models.Model]) -> dict[str, Any]:
    """Where the tables stand before a check: anything created later has a higher id, anything changed later a
    later ``updated_at`` (from ``checked_at``, margin included). Taken before the lookups run, so whatever is
    written meanwhile is above them."""
    marks: dict[str, Any] = {"checked_at": (timezone.now() - CHANGE_MARGIN).isoformat()}
    for model in tables:
        manager = getattr(model, "all_objects", model._default_manager)
        marks[model._meta.label_lower] = manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    return marks


def checked_at(saved: dict[str, Any], *, version: int, policy: str) -> dt.datetime | None:
    """When the saved plan's check started, if the run may follow it: same plan version and duplicate policy,
    and younger than PLAN_LIFETIME. None means "check the whole file again"."""
    if saved.get("version") != version or saved.get("policy") != policy:
        return None
    moment = parse_datetime((saved.get("marks") or {}).get("checked_at", ""))
    if moment is None or timezone.now() - moment > PLAN_LIFETIME:
        return None
    return moment


def fingerprint(state: Any) -> str:
    """A digest of everything rows were validated against (JSON-able): when it is unchanged, so is every
    verdict, and the plan stands."""
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
