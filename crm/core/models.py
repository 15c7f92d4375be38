"""Abstract bases every business model builds on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.concurrency import VersionedModel
from crm.core.querysets import ScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(VersionedModel, TimeStampedModel):
    """A business record that belongs to an owner and a department, and so falls under data-scope rules.

    It is versioned (``crm.core.concurrency``): the base update view and viewset refuse a write based on an old
    version and lock the row for the update.

    ``module`` names the permission module (see crm.core.permissions) that governs the model.
    """

    module: str = ""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # never looked up by; one index less to keep on every insert
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class SoftDeleteManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]  # stubs: dynamic base
    """The default manager of a model with ``soft_delete = True``: rows in its recycle bin (``deleted_at`` set) are
    not there for the rest of the app. Keep ``all_objects = ScopedQuerySet.as_manager()`` beside it for the bin."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SavedView(TimeStampedModel):
    """A user's named list view: the filters, sort and columns of a list page (e.g. "我的A级客户").

    ``list_key`` names the list ("customers"); every module's list can offer saved views the same way.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="saved_views")
    list_key = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    is_default = models.BooleanField(_("open by default"), default=False)

    class Meta:
        ordering = ["list_key", "name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["user", "list_key", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name


class RecentView(models.Model):
    """A record a user opened lately (the home page's "recently viewed"): one row per user and record, its time
    moved forward on each visit, the oldest beyond ``crm.core.recent.KEPT`` dropped. Names are not stored: the
    widget reads them live through the record's ``visible_to``, so a record reassigned away since drops out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    content_type = models.ForeignKey("contenttypes.ContentType", verbose_name=_("record type"),
                                     on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField(_("record id"))
    viewed_at = models.DateTimeField(_("viewed at"))

    class Meta:
        ordering = ["-viewed_at", "-id"]
        verbose_name = _("recently viewed record")
        verbose_name_plural = _("recently viewed records")
        constraints = [models.UniqueConstraint(fields=["user", "content_type", "object_id"],
                                               name="recent_view_unique_record")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recent_view_user_idx")]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"
