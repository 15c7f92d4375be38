"""Every change of the suite's module: keyword-only actor, atomic, its own audit rows (as any module's services)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from crm.audit.services import record_create, record_creates, record_delete, record_update, snapshot
from crm.core.bulk import insert_objects
from crm.core.concurrency import lock_for_update
from crm.core.errors import DomainError
from crm.notifications.services import notify
from crm.system.calendar import add_working_hours
from crm.system.numbering import next_number, next_numbers
from crm.testing_app.messages import MILESTONE_DUE, NEW_MILESTONE
from crm.testing_app.models import Account, Deal, Milestone, Project

if TYPE_CHECKING:
    from crm.accounts.models import User

NUMBER_SEQUENCE = "testing_app.project"
BUDGET_LIMIT = "testing_app.max_budget"


def check_budget(actor: User, budget: int | None) -> None:
    """A role's largest project budget (a per-role setting; no value: no limit)."""
    limit = actor.role_setting(BUDGET_LIMIT)
    if budget is not None and limit is not None and budget > limit:
        raise DomainError(f"A budget above {limit} needs another role.", field="budget")


@transaction.atomic
def create_project(*, actor: User, data: dict[str, Any]) -> Project:
    check_budget(actor, data.get("budget"))
    project = Project(**data, created_by=actor)
    project.owner = project.owner or actor
    project.department = project.department or project.owner.department
    project.number = next_number(NUMBER_SEQUENCE)
    project.save()
    record_create(actor=actor, instance=project)
    return project


@transaction.atomic
def update_project(*, actor: User, project: Project, data: dict[str, Any]) -> Project:
    lock_for_update(project)  # the change and the audit's "from" apply to the record as it is now
    if "budget" in data:
        check_budget(actor, data["budget"])
    before = snapshot(project)
    for name, value in data.items():
        setattr(project, name, value)
    project.save()
    record_update(actor=actor, instance=project, before=before)
    return project


@transaction.atomic
def delete_project(*, actor: User, project: Project) -> None:
    record_delete(actor=actor, instance=project)
    project.delete()


@transaction.atomic
def import_projects(*, actor: User, rows: list[dict[str, Any]]) -> list[Project]:
    """The bulk variant of create_project (the importer's write): the same budget rule, derived columns and
    numbers, one INSERT and one create audit row per project, identical to the one-by-one rows."""
    for row in rows:
        check_budget(actor, row.get("budget"))
    projects = [Project(**row, owner=actor, department=actor.department, created_by=actor) for row in rows]
    for project, number in zip(projects, next_numbers(NUMBER_SEQUENCE, len(projects)), strict=True):
        project.number = number
        project.fill_derived()
    insert_objects(Project, projects)
    record_creates(actor=actor, instances=projects)
    return projects


@transaction.atomic
def add_milestone(*, actor: User, project: Project, title: str, working_hours: float | None = None) -> Milestone:
    """A milestone, due ``working_hours`` of the company's working time from now; the project's owner hears of
    one somebody else added."""
    due_at = add_working_hours(timezone.now(), working_hours) if working_hours else None
    milestone = Milestone.objects.create(project=project, title=title, due_at=due_at)
    record_create(actor=actor, instance=milestone)
    if project.owner is not None and project.owner != actor:
        notify(project.owner, NEW_MILESTONE(project=project.name, milestone=title), url=project.get_absolute_url())
    return milestone


@transaction.atomic
def remind_due_milestones(now: dt.datetime | None = None) -> int:
    """Tells each project owner once about their milestones that fell due (the periodic task's work)."""
    now = now or timezone.now()
    due = list(Milestone.objects.filter(due_at__lte=now, reminded_at__isnull=True, project__owner__isnull=False)
               .select_related("project__owner"))
    for milestone in due:
        if (owner := milestone.project.owner) is not None:
            notify(owner, MILESTONE_DUE(milestone=milestone.title), url=milestone.project.get_absolute_url())
    Milestone.objects.filter(pk__in=[m.pk for m in due]).update(reminded_at=now)
    return len(due)


@transaction.atomic
def create_deal(*, actor: User, data: dict[str, Any]) -> Deal:
    deal = Deal(**data, created_by=actor)
    deal.owner = deal.owner or actor
    deal.department = deal.department or deal.owner.department
    deal.save()
    record_create(actor=actor, instance=deal)
    return deal


@transaction.atomic
def update_deal(*, actor: User, deal: Deal, data: dict[str, Any]) -> Deal:
    lock_for_update(deal)
    before = snapshot(deal)
    for name, value in data.items():
        setattr(deal, name, value)
    deal.save()
    record_update(actor=actor, instance=deal, before=before)
    return deal


@transaction.atomic
def delete_deal(*, actor: User, deal: Deal) -> None:
    record_delete(actor=actor, instance=deal)
    deal.delete()


@transaction.atomic
def create_account(*, actor: User, name: str) -> Account:
    account = Account.objects.create(name=name, owner=actor, department=actor.department, created_by=actor)
    record_create(actor=actor, instance=account)
    return account


@transaction.atomic
def delete_account(*, actor: User, account: Account) -> None:
    """Into the recycle bin: the account and every deal pointing at it disappear from every list."""
    before = snapshot(account)
    account.deleted_at = timezone.now()
    account.save(update_fields=["deleted_at", "updated_at"])
    record_update(actor=actor, instance=account, before=before)
