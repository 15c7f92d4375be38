"""Lifecycle stage (潜在 → 新 → 活跃 → 沉睡 → 流失): computed on a schedule from follow-ups and orders with the
thresholds of LifecyclePolicy, or picked by hand (which locks it until someone hands it back to the schedule).

The rules, first match wins:

- prospect (潜在): no follow-up and no order yet;
- new (新): the first order is within ``new_days`` — or, with no order, the first follow-up is;
- active (活跃): a follow-up or an order within ``active_days``;
- dormant (沉睡): the latest follow-up or order is older than that but within ``lost_days``;
- lost (流失): nothing for longer than ``lost_days``.

``refresh_lifecycle_stages`` applies them with one UPDATE per stage over the whole table (no Python loop over
customers), touching only rows whose stage changes. ``compute_stage`` is the same rules for one customer, in
Python: the unlock action uses it, and the tests hold the two to each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.concurrency import bump_version
from crm.core.errors import DomainError
from crm.customers.models import Activity, Customer, LifecyclePolicy

Stage = Customer.Stage


@dataclass(frozen=True)
class Thresholds:
    """The policy turned into moments: follow-ups are compared as datetimes, orders (dates) as local dates."""

    new_at: dt.datetime
    active_at: dt.datetime
    lost_at: dt.datetime
    new_date: dt.date
    active_date: dt.date
    lost_date: dt.date

    @classmethod
    def of(cls, policy: LifecyclePolicy, now: dt.datetime) -> Thresholds:
        today = timezone.localdate(now)
        return cls(
            new_at=now - dt.timedelta(days=policy.new_days),
            active_at=now - dt.timedelta(days=policy.active_days),
            lost_at=now - dt.timedelta(days=policy.lost_days),
            new_date=today - dt.timedelta(days=policy.new_days),
            active_date=today - dt.timedelta(days=policy.active_days),
            lost_date=today - dt.timedelta(days=policy.lost_days),
        )


def stage_conditions(policy: LifecyclePolicy, now: dt.datetime) -> list[tuple[str, Q]]:
    """(stage, condition) in order of precedence; each condition excludes the customers an earlier one took,
    so every customer matches exactly one."""
    at = Thresholds.of(policy, now)
    followed_up_before_new = Activity.objects.filter(customer=OuterRef("pk"), occurred_at__lt=at.new_at)
    raw: list[tuple[str, Q]] = [
        (Stage.PROSPECT, Q(last_follow_up_at__isnull=True, first_order_at__isnull=True, last_order_at__isnull=True)),
        # Only customers followed up lately can have had their first follow-up lately: the subquery (an index
        # lookup on activity_customer_idx) runs for those few.
        (
            Stage.NEW,
            Q(first_order_at__gte=at.new_date)
            | (Q(first_order_at__isnull=True, last_follow_up_at__gte=at.new_at) & Q(~Exists(followed_up_before_new))),
        ),
        (Stage.ACTIVE, Q(last_follow_up_at__gte=at.active_at) | Q(last_order_at__gte=at.active_date)),
        (Stage.DORMANT, Q(last_follow_up_at__gte=at.lost_at) | Q(last_order_at__gte=at.lost_date)),
        (Stage.LOST, Q()),
    ]
    exclusive: list[tuple[str, Q]] = []
    taken: Q | None = None
    for stage, condition in raw:
        exclusive.append((stage, condition if taken is None else condition & ~taken))
        taken = condition if taken is None else taken | condition
    return exclusive


def compute_stage(customer: Customer, *, policy: LifecyclePolicy | None = None, now: dt.datetime | None = None) -> str:
    """The stage the rules give one customer (whether or not its stage is locked)."""
    policy = policy or LifecyclePolicy.current()
    at = Thresholds.of(policy, now or timezone.now())
    follow_up, first_order, last_order = customer.last_follow_up_at, customer.first_order_at, customer.last_order_at
    if follow_up is None and first_order is None and last_order is None:
        return Stage.PROSPECT
    if first_order is not None:
        if first_order >= at.new_date:
            return Stage.NEW
    elif follow_up is not None and follow_up >= at.new_at:
        first_follow_up = customer.activities.aggregate(first=Min("occurred_at"))["first"]
        if first_follow_up is None or first_follow_up >= at.new_at:
            return Stage.NEW
    if (follow_up and follow_up >= at.active_at) or (last_order and last_order >= at.active_date):
        return Stage.ACTIVE
    if (follow_up and follow_up >= at.lost_at) or (last_order and last_order >= at.lost_date):
        return Stage.DORMANT
    return Stage.LOST


def refresh_lifecycle_stages(now: dt.datetime | None = None) -> dict[str, int]:
    """Recomputes the stage of every customer not set by hand; returns how many moved into each stage.

    One UPDATE per stage, each writing only the rows whose stage changes. Derived data: no audit row per
    customer (the trail records stages people pick by hand). ``updated_at`` is left alone, so a nightly run does
    not reshuffle lists sorted by "recently updated".
    """
    policy = LifecyclePolicy.current()
    moved = {}
    for stage, condition in stage_conditions(policy, now or timezone.now()):
        moved[str(stage)] = (
            Customer.objects.filter(lifecycle_locked=False)
            .filter(condition)
            .exclude(lifecycle_stage=stage)
            .update(lifecycle_stage=stage, **bump_version())
        )
    return moved


def _require_edit(actor: User) -> None:
    if not actor.has_module_perm("customers", "edit"):
        raise DomainError(_("Your role may not change customers."), code="permission_denied")


@transaction.atomic
def set_stage_by_hand(*, actor: User, customer: Customer, stage: str) -> Customer:
    """Sets the stage and locks it: the schedule leaves this customer alone until unlock_stage()."""
    _require_edit(actor)
    if stage not in Stage.values:
        raise DomainError(_("Choose a valid lifecycle stage."), field="stage")
    before = audit.snapshot(customer)
    customer.lifecycle_stage, customer.lifecycle_locked = stage, True
    customer.save(update_fields=["lifecycle_stage", "lifecycle_locked", "updated_at"])
    audit.record_update(actor=actor, instance=customer, before=before)
    return customer


@transaction.atomic
def unlock_stage(*, actor: User, customer: Customer, now: dt.datetime | None = None) -> Customer:
    """Hands the stage back to the schedule and recomputes it at once."""
    _require_edit(actor)
    before = audit.snapshot(customer)
    customer.lifecycle_locked = False
    customer.lifecycle_stage = compute_stage(customer, now=now)
    customer.save(update_fields=["lifecycle_stage", "lifecycle_locked", "updated_at"])
    audit.record_update(actor=actor, instance=customer, before=before)
    return customer


@transaction.atomic
def update_lifecycle_policy(*, actor: User, data: dict) -> LifecyclePolicy:
    """Changes the thresholds (system administrators); they apply from the next scheduled run."""
    if not actor.has_module_perm("system", "edit"):
        raise DomainError(_("Only administrators may change the lifecycle thresholds."), code="permission_denied")
    return audit.save_with_audit(actor=actor, instance=LifecyclePolicy.current(), data=data)
