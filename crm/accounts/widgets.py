"""The home page's "sign-in security" for administrators (registered in AccountsConfig.ready()): failed
log-ins of the last day, by the user name typed, and the user names locked out now, each with an Unlock."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts import services
from crm.audit.models import AuditEvent
from crm.core.dashboard import Widget

SHOWN = 5
HOURS = 24


def sign_in_security_widget(user) -> dict:
    failed = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED,
                                       created_at__gte=timezone.now() - dt.timedelta(hours=HOURS))
    by_name = list(failed.order_by().values_list("actor_name").annotate(n=Count("id")).order_by("-n", "actor_name")
                   [:SHOWN])
    return {"failed_total": failed.count(), "failed_by_name": by_name, "locked": services.locked_out_usernames(),
            "hours": HOURS}


SIGN_IN_SECURITY = Widget(code="accounts.sign_in_security", title=_("Sign-in security"),
                          template="accounts/widgets/_sign_in_security.html", context=sign_in_security_widget,
                          module="system", order=84, size="third")
