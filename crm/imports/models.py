"""Import jobs (导入任务) and the column mappings users taught the system, per set of column headings."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.core.models import TimeStampedModel


def header_hash(headers: list[str]) -> str:
    """The key of a set of column headings: the same headings in any order and case give the same mapping."""
    normalised = sorted({(h or "").strip().lower() for h in headers if (h or "").strip()})
    return hashlib.sha256(json.dumps(normalised, ensure_ascii=False).encode()).hexdigest()


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> ImportJobQuerySet:
        """A user's own jobs, whatever the action; an import holds another person's upload, so nobody else sees it
        (admins do). The same vocabulary as scoped records (crm/core/querysets.py)."""
        return self if user.is_superuser else self.filter(user=user)


class ImportJob(TimeStampedModel):
    """One uploaded file on its way in: upload → mapping → preview → run → result.

    ``issues`` keeps every row that did not import as it was (errors, duplicates, skipped rows), with the
    original cell values, so the error report can be rebuilt and fixed rows re-imported.
    """

    class Status(models.TextChoices):
        READING = "reading", _("Reading the file")
        DRAFT = "draft", _("Waiting for the column mapping")
        CHECKING = "checking", _("Checking the file")
        PREVIEWED = "previewed", _("Checked, ready to import")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        ROLLING_BACK = "rolling_back", _("Undoing what was written")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Policy(models.TextChoices):
        SKIP = "skip", _("Skip duplicates")
        UPDATE = "update", _("Update the existing record")
        CREATE = "create", _("Create a new record anyway")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    entity = models.CharField(_("what"), max_length=50)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    headers = models.JSONField(_("column headings"), default=list)
    # The first few data rows, shown beside each column on the mapping page.
    sample_rows = models.JSONField(_("sample rows"), default=list, blank=True)
    # {column heading: field key}; columns left out are ignored.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    duplicate_policy = models.CharField(_("duplicates"), max_length=10, choices=Policy.choices, default=Policy.SKIP)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    # Rows written by the steps committed so far (the write goes in short transactions; see ImportStep).
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    issues = models.JSONField(_("rows with problems"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    previewed_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["user", "-created_at"], name="import_job_user_idx")]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        planned = self.created_count + self.updated_count  # the preview's counts, until the run is done
        if self.status == self.Status.RUNNING and self.written_rows and planned:
            return min(99, int(100 * self.written_rows / planned))
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    def can_preview(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.PREVIEWED) and bool(self.mapping)

    def can_run(self) -> bool:
        return self.status == self.Status.PREVIEWED


class ImportPlan(TimeStampedModel):
    """What the preview decided for each row of a job, so the run writes it without validating the file again
    (it checks only for duplicates that appeared since). Holds the file's values: deleted with the file once
    the job is done, and whenever the mapping or the policy changes."""

    job = models.OneToOneField(ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(_("plan"), default=dict)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("checked import plan")
        verbose_name_plural = _("checked import plans")

    def __str__(self) -> str:
        return f"{self.job_id}"


class ImportStep(TimeStampedModel):
    """One committed step of a running import's write, with what undoes it.

    An import writes in short transactions (a batch of rows each) so that no other writer waits for the whole
    file; it stays all-or-nothing because each step records, in its own transaction, what it wrote. If a later
    step fails (or the worker dies: see ``undo_interrupted_imports``), the steps are undone newest first and the
    job fails with nothing imported. Deleted once the job is done. (docs/adr/0010-staged-imports.md)"""

    job = models.ForeignKey(ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveIntegerField(_("step"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # The importer's own record of what the step wrote (ids created, values before an update…), JSON.
    undo = models.JSONField(_("undo"), default=dict, blank=True)

    class Meta:
        ordering = ["job", "number"]
        verbose_name = _("written import step")
        verbose_name_plural = _("written import steps")
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="import_step_once")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.number}"


class ImportMapping(TimeStampedModel):
    """A column mapping remembered for a set of headings: the next file with the same headings is mapped
    the way this user (or, failing that, anyone) mapped it last time."""

    entity = models.CharField(_("what"), max_length=50)
    header_hash = models.CharField(max_length=64)
    # None: the mapping anybody gets when they have none of their own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    mapping = models.JSONField(_("column mapping"), default=dict)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("remembered column mapping")
        verbose_name_plural = _("remembered column mappings")
        constraints = [
            models.UniqueConstraint(fields=["entity", "header_hash", "user"], name="import_mapping_per_user"),
            models.UniqueConstraint(
                fields=["entity", "header_hash"], condition=models.Q(user__isnull=True), name="import_mapping_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.header_hash[:8]}"
