"""The home page's "recent exports" for administrators (registered in AuditConfig.ready()): who took which
data out of the system lately, read from the audit trail."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.audit.models import AuditEvent
from crm.core.dashboard import Widget

SHOWN = 5
DAYS = 7


def recent_exports_widget(user) -> dict:
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT,
                                        created_at__gte=timezone.now() - dt.timedelta(days=DAYS))
    return {"events": list(exports.select_related("actor").order_by("-created_at", "-id")[:SHOWN]),
            "total": exports.count(), "days": DAYS}


RECENT_EXPORTS = Widget(code="audit.exports", title=_("Recent exports"), template="audit/widgets/_exports.html",
                        context=recent_exports_widget, module="system", order=82, size="third")
