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
