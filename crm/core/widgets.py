"""The platform's own home-page widgets: the records a user opened lately, and (for administrators) the health
of the task queue. Registered in CoreConfig.ready()."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import HUEY

from crm.core.dashboard import Widget
from crm.core.recent import recently_viewed

HEARTBEAT_KEY = "crm.heartbeat"  # written every minute by crm.core.tasks.heartbeat, read here
LAST_ERROR_KEY = "crm.last_task_error"
HEARTBEAT_LATE = dt.timedelta(minutes=3)  # a consumer that missed two beats is not running


def recently_viewed_widget(user) -> dict:
    return {"records": [(record, record._meta.verbose_name) for record in recently_viewed(user)]}


def task_queue_widget(user) -> dict:
    """Tasks waiting and scheduled, the consumer's last heartbeat and the last task that failed."""
    state: dict = {"now": timezone.now()}
    try:
        state["pending"] = HUEY.pending_count()
        state["scheduled"] = HUEY.scheduled_count()
        beat = HUEY.get(HEARTBEAT_KEY, peek=True)
        state["last_error"] = HUEY.get(LAST_ERROR_KEY, peek=True)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the widget says the queue is unreachable
        state["unreachable"] = exc.__class__.__name__
        return state
    state["heartbeat"] = beat
    state["running"] = beat is not None and state["now"] - beat < HEARTBEAT_LATE
    return state


RECENTLY_VIEWED = Widget(code="core.recently_viewed", title=_("Recently viewed"),
                         template="core/widgets/_recently_viewed.html", context=recently_viewed_widget, order=44,
                         size="third")
TASK_QUEUE = Widget(code="core.task_queue", title=_("Task queue"), template="core/widgets/_task_queue.html",
                    context=task_queue_widget, module="system", order=90, size="third")
