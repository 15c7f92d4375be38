"""The audit trail: one row per event — a change to a record (with its field diffs), a log-in, an export…"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.audit.registry import action_choices


class AuditEvent(models.Model):
    # The platform's actions; a module registers its own with crm.audit.registry.register_audit.
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        LOGIN_FAILED = "login_failed", _("Failed log-in")
        EXPORT = "export", _("Exported")
        UNMASK = "unmask", _("Viewed sensitive field")
        PASSWORD_CHANGE = "password_change", _("Changed password")
        IMPORT = "import", _("Imported")
        MERGE = "merge", _("Merged")
        PURGE = "purge", _("Purged")
        ERASE = "erase", _("Erased personal data")
        OTHER = "other", _("Other")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # Kept as text too, so failed log-ins with unknown names and deleted users still read well.
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=action_choices, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    object_id = models.CharField(_("record id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    # {"field": [old, new]} for changes; free-form details (filters of an export, field unmasked) otherwise.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"
