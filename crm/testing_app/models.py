"""The suite's own module: a project (a scoped record with an owner and a department) and its milestones
(scoped through it), an account with a recycle bin and deals, which may belong to a customer and name one of its
contacts (what an opportunity of the sales module will do)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from crm.core.models import ScopedModel, SoftDeleteManager, TimeStampedModel
from crm.core.pinyin import search_text
from crm.core.querysets import ScopedQuerySet
from crm.system.dictionaries import DictionaryCodeValidator


class Project(ScopedModel):
    module = "testing_app"
    # Derived from the name on save: no history line of its own.
    audit_exclude = ("name_upper", "search_text")

    number = models.CharField("project number", max_length=30, unique=True, null=True, blank=True,
                              editable=False)
    name = models.CharField("name", max_length=100)
    status = models.CharField("status", max_length=50, blank=True,
                              validators=[DictionaryCodeValidator("project_status")])
    budget = models.PositiveIntegerField("budget", null=True, blank=True)
    name_upper = models.CharField(max_length=100, blank=True, editable=False)
    # Global search reads this through the search index (CreateSearchIndex in the migration).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["-updated_at", "-id"], name="project_updated_idx"),
                   models.Index(fields=["name", "id"], name="project_name_idx"),
                   models.Index(fields=["budget", "id"], name="project_budget_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("testing_app:project_detail", args=[self.pk])

    def fill_derived(self) -> None:
        """The derived columns, for save() and for bulk writes alike."""
        self.name_upper = self.name.upper()
        self.search_text = search_text(self.name, self.number or "")

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)


class Milestone(TimeStampedModel):
    """Belongs to a project: whoever may see the project sees its milestones."""

    module = "testing_app"
    scope_through = "project"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("title", max_length=100)
    # Due after so many working hours of the company calendar (an SLA); the periodic task reminds the owner.
    due_at = models.DateTimeField("due at", null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

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

    objects = SoftDeleteManager()  # the bin's rows are not there for the rest of the app
    all_objects = ScopedQuerySet.as_manager()  # the recycle bin reads these

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Deal(ScopedModel):
    """A record with an owner of its own that points at an account, like an opportunity at its customer."""

    module = "testing_app"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, null=True, blank=True, related_name="deals")
    # A customer merge moves these by itself (it finds every foreign key to Customer); a contact's erasure
    # scrubs the notes and unlinks the contact (crm/testing_app/personal_data.py).
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    name = models.CharField("name", max_length=100)
    notes = models.TextField("notes", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
