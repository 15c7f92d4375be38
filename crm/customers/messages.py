"""The customers module's notifications and reminders (registered in CustomersConfig.ready()), worded when they
are read, in the reader's language (see crm.notifications.messages)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.notifications.messages import MessageKind, Params


def _returns_on(value: str) -> str:
    """A stored ISO moment as the reader's calendar day (the site's time zone)."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d") if timezone.is_aware(moment) else moment.strftime(
        "%Y-%m-%d")


def _returning_soon_body(params: Params) -> str:
    lines = [_("%(customer)s — returns on %(date)s") % {"customer": item["customer"],
                                                         "date": _returns_on(item["returns_at"])}
             for item in params["customers"]]
    if more := params.get("more", 0):
        lines.append(_("… and %(count)d more") % {"count": more})
    return "\n".join([_("Log a follow-up to keep them:"), *lines])


# The owner's reminder of a follow-up's next date; the subject is the follow-up's, as its author typed it.
FOLLOW_UP_DUE = MessageKind(
    "customers.follow_up_due",
    title=lambda params: _("Follow up with %(customer)s") % {"customer": params["customer"]},
    body=lambda params: params.get("subject", ""),
)

RETURNED_TO_POOL = MessageKind(
    "customers.returned_to_pool",
    title=lambda params: ngettext("%(count)d customer went back to the public pool",
                                  "%(count)d customers went back to the public pool",
                                  params["count"]) % {"count": params["count"]},
    body=lambda params: _("They had no follow-up for longer than the pool rule allows."),
)

RETURNING_SOON = MessageKind(
    "customers.returning_soon",
    title=lambda params: ngettext("%(count)d customer will return to the public pool soon",
                                  "%(count)d customers will return to the public pool soon",
                                  params["count"]) % {"count": params["count"]},
    body=_returning_soon_body,
)

KINDS = [FOLLOW_UP_DUE, RETURNED_TO_POOL, RETURNING_SOON]
