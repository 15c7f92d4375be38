"""In-app notifications and scheduled reminders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.notifications.messages import render


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> NotificationQuerySet:
        """A notification is its recipient's alone, whatever the action (the one scope vocabulary: visible_to)."""
        return self.filter(recipient=user) if user.is_authenticated else self.none()

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class RenderedMessage(models.Model):
    """A stored message (``kind`` + ``params``, see crm.notifications.messages) shown in the reader's language.
    Rows written before messages were kept untranslated have no kind: their ``title`` and ``body`` are the
    literal text of the time, shown as they are."""

    kind = models.CharField(_("kind"), max_length=100, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_title

    def _words(self) -> tuple[str, str]:
        if self.kind and (words := render(self.kind, self.params)) is not None:
            return words
        return self.title or capfirst(str(self._meta.verbose_name)), self.body

    @property
    def display_title(self) -> str:
        return self._words()[0]

    @property
    def display_body(self) -> str:
        return self._words()[1]


class Notification(RenderedMessage):
    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        REMINDER = "reminder", _("Reminder")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="notifications")
    url = models.CharField(_("link"), max_length=500, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]


class Reminder(RenderedMessage):
    """Something to tell ``recipient`` at ``due_at`` (in the app and by e-mail); sent once."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(_("due at"), db_index=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    send_email = models.BooleanField(_("also by e-mail"), default=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")


class OutboxMessage(models.Model):
    """An e-mail kept in the app instead of sent, when no mail server is configured (the demo, a trial): an
    administrator reads it on the outbox page, and nothing is lost or retried against a server that is not
    there. See crm.notifications.mail.OutboxBackend."""

    from_email = models.CharField(_("from"), max_length=300, blank=True)
    recipients = models.TextField(_("to"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return self.subject
