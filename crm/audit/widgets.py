"""The home page's "recent exports" for administrators (registered in AuditConfig.ready()): who took which
data out of the system lately, read from the audit trail."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.audit.models import AuditEvent
from crm.audit.presenting import present_events
from crm.core.dashboard import Widget

SHOWN = 5
DAYS = 7


def recent_exports_widget(user) -> dict:
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT,
                                        created_at__gte=timezone.now() - dt.timedelta(days=DAYS))
    latest = list(exports.select_related("actor", "content_type").order_by("-created_at", "-id")[:SHOWN])
    # The viewer's summary ("Exported 1,204 rows of customers (CSV; filters: Level = A)"), in the reader's
    # language, not the message its writer stored in theirs.
    return {"events": present_events(latest, user), "total": exports.count(), "days": DAYS}


RECENT_EXPORTS = Widget(code="audit.exports", title=_("Recent exports"), template="audit/widgets/_exports.html",
                        context=recent_exports_widget, module="system", order=82, size="third")
