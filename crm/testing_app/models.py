"""A project (a scoped record with an owner and a department) and its milestones (scoped through it)."""

from __future__ import annotations

from django.db import models

from crm.core.models import ScopedModel, TimeStampedModel
from crm.core.querysets import ScopedQuerySet
from crm.system.dictionaries import DictionaryCodeValidator


class Project(ScopedModel):
    module = "testing_app"
    # Derived from the name on save: no history line of its own.
    audit_exclude = ("name_upper",)

    name = models.CharField("name", max_length=100)
    status = models.CharField("status", max_length=50, blank=True,
                              validators=[DictionaryCodeValidator("project_status")])
    budget = models.PositiveIntegerField("budget", null=True, blank=True)
    name_upper = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["-updated_at", "-id"], name="project_updated_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_upper = self.name.upper()
        super().save(*args, **kwargs)


class Milestone(TimeStampedModel):
    """Belongs to a project: whoever may see the project sees its milestones."""

    module = "testing_app"
    scope_through = "project"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("title", max_length=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Account(ScopedModel):
    """A record with a recycle bin (``soft_delete``), like a customer."""

    module = "testing_app"
    soft_delete = True

    name = models.CharField("name", max_length=100)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Deal(ScopedModel):
    """A record with an owner of its own that points at an account, like an opportunity at its customer."""

    module = "testing_app"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="deals")
    name = models.CharField("name", max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
