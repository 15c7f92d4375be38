"""The outbox: an e-mail backend that keeps messages in the database for an administrator to read.

It is the default while ``CRM_EMAIL_HOST`` is unset (settings.py): a demo or a trial on a laptop has no mail
server, and the SMTP backend would fail every reminder and retry it in the task queue, filling the log with
connection errors. Production sets ``CRM_EMAIL_HOST`` (or ``CRM_EMAIL_BACKEND``) and mail is sent as usual."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from crm.notifications.models import OutboxMessage

OUTBOX_BACKEND = "crm.notifications.mail.OutboxBackend"


def _text(message) -> str:
    """The plain-text body; an HTML-only alternative is kept as it was written."""
    if message.body:
        return str(message.body)
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            return str(content)
    return ""


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        rows = [
            OutboxMessage(
                from_email=str(message.from_email or settings.DEFAULT_FROM_EMAIL)[:300],
                recipients=", ".join(message.recipients()),
                subject=str(message.subject)[:300],
                body=_text(message),
            )
            for message in email_messages
            if message.recipients()
        ]
        OutboxMessage.objects.bulk_create(rows)
        return len(rows)


def purge_outbox(days: int | None = None) -> int:
    """Deletes outbox messages older than ``days`` (CRM_OUTBOX_DAYS, 30 by default): they are a trial's mail,
    not an archive."""
    keep = days if days is not None else settings.CRM_OUTBOX_DAYS
    deleted, _ = OutboxMessage.objects.filter(created_at__lt=timezone.now() - timedelta(days=keep)).delete()
    return deleted
