"""The home page's "recent notifications" (registered in NotificationsConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.core.dashboard import Widget
from crm.notifications.models import Notification

SHOWN = 5


def recent_notifications_widget(user) -> dict:
    mine = Notification.objects.visible_to(user)
    return {"notifications": list(mine[:SHOWN]), "unread": mine.unread().count()}


RECENT = Widget(code="notifications.recent", title=_("Recent notifications"),
                template="notifications/widgets/_recent.html", context=recent_notifications_widget, order=42,
                size="third")
