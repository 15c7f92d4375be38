"""Telling people things: in-app notifications, e-mail on the task queue, reminders due later."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crm.accounts.models import User
from crm.notifications.messages import Message, get_message_kind
from crm.notifications.models import Notification, Reminder


def notify(recipient: User, message: Message, url: str = "", *, email: bool = False,
           level: str = Notification.Level.INFO) -> Notification:
    """An in-app notification; with ``email`` also a mail, sent by the task queue once the transaction commits.
    The message is stored untranslated and worded when read, in the reader's language (the recipient's, for
    the mail)."""
    _check_registered(message)
    return _create_notification(recipient, url=url, email=email, level=level, kind=message.kind,
                                params=message.params)


def _check_registered(message: Message) -> None:
    # Caught when written, by the sender's tests, rather than shown as a bare "Notification" to its reader.
    if get_message_kind(message.kind) is None:
        raise ValueError(f"Message kind {message.kind!r} is not registered (register_message_kind in ready()).")


def _create_notification(recipient: User, *, url: str, email: bool, level: str, **message) -> Notification:
    notification = Notification.objects.create(recipient=recipient, url=url, level=level, **message)
    if email and recipient.email:
        from crm.notifications.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification


def schedule_reminder(*, actor: User, recipient: User, due_at: dt.datetime, message: Message, url: str = "",
                      send_email: bool = True) -> Reminder:
    """``message`` told to ``recipient`` at ``due_at``, in the words of their language then."""
    _check_registered(message)
    return Reminder.objects.create(recipient=recipient, due_at=due_at, kind=message.kind, params=message.params,
                                   url=url, send_email=send_email)


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
            # A reminder scheduled before messages were stored untranslated passes its literal text on.
            _create_notification(reminder.recipient, url=reminder.url, email=reminder.send_email,
                                 level=Notification.Level.REMINDER, kind=reminder.kind, params=reminder.params,
                                 title=reminder.title, body=reminder.body)
            sent += 1
    return sent


def mark_read(*, actor: User, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())
