"""Telling people things: in-app notifications, e-mail on the task queue, reminders due later."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm.accounts.models import User
from crm.notifications.models import Notification, Reminder


def notify(recipient: User, title: str, body: str = "", url: str = "", *, email: bool = False,
           level: str = Notification.Level.INFO) -> Notification:
    """An in-app notification; with ``email`` also a mail, sent by the task queue once the transaction commits."""
    notification = Notification.objects.create(recipient=recipient, title=title[:200], body=body, url=url,
                                               level=level)
    if email and recipient.email:
        from crm.notifications.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification


def schedule_reminder(*, actor: User, recipient: User, due_at: dt.datetime, title: str, body: str = "",
                      url: str = "", send_email: bool = True) -> Reminder:
    return Reminder.objects.create(recipient=recipient, due_at=due_at, title=title[:200], body=body, url=url,
                                   send_email=send_email)


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Delivers every reminder that is due. Each is claimed by a conditional update, so two consumers running
    at once (or a task run twice) never deliver one twice."""
    now = now or timezone.now()
    sent = 0
    for reminder in Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now).select_related("recipient"):
        with transaction.atomic():
            claimed = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=now)
            if not claimed:
                continue
            notify(reminder.recipient, reminder.title, reminder.body, reminder.url, email=reminder.send_email,
                   level=Notification.Level.REMINDER)
            sent += 1
    return sent


def mark_read(*, actor: User, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())
