"""The public pool (公海): customers nobody owns, which reps may claim.

How customers get there and back:

- ``return_idle_customers`` (the scheduled rule): for each active PoolRule, owned customers of its level with no
  follow-up for ``days`` lose their owner. A rule with a blank level covers the levels without a rule of their
  own; a level's own rule, even switched off, takes that level out of the default (that is how a level is
  exempted). "No follow-up" counts from the customer's ``idle_since`` — the latest of the last follow-up, the
  claim and the creation (``Customer.idle_since_of``), stored and indexed — so a customer just claimed gets its
  full ``days``, and the rule, the warning, the customer page and "returning soon" agree on every customer.
- ``warn_owners_before_return``: ``warn_days`` before that moment, each owner gets one notification (in the app
  and by e-mail) listing all their customers about to go; each customer is warned once (``pool_warned_at``; a
  new follow-up clears it).
- ``release_to_pool``: the owner (or a manager with customers.assign) gives a customer up, with a reason.
- ``claim_from_pool``: a rep with customers.pool takes one, up to the claim limit of their roles; a conditional
  UPDATE makes two simultaneous claims safe (one wins, the other is told).
- ``assign_from_pool``: a manager with customers.assign hands a pool customer to a rep.

One pool for the whole company: a customer keeps its department while in the pool, but anyone with
customers.pool sees it (``Customer.objects.in_pool().visible_to(user, "pool")``) and whoever claims it takes it
into their own department. Every move writes a PoolMovement row and an audit event (actor empty = the system).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.concurrency import bump_version
from crm.core.errors import DomainError
from crm.core.timeline import TimelineEntry
from crm.customers.messages import RETURNED_TO_POOL, RETURNING_SOON
from crm.customers.models import IDLE_SINCE_SQL, Customer, PoolAuditAction, PoolMovement, PoolRule
from crm.customers.role_settings import POOL_CLAIM_LIMIT
from crm.notifications.models import Notification
from crm.notifications.services import notify

# A rep may not claim back, within this many days, a customer that left their hands (released by them or taken
# back by the rule): otherwise releasing and re-claiming would restart the rule's clock for free.
RECLAIM_BLOCK_DAYS = 7
# Customers returned per transaction: keeps each write lock short on a big table.
BATCH_SIZE = 500
# Customers named in one warning; the rest are counted.
WARNING_LIST_LENGTH = 30


# --- The rule ------------------------------------------------------------------------------------------------


def rules_in_force() -> list[tuple[PoolRule, Q]]:
    """Each active rule with the customers it covers (by level)."""
    rules = list(PoolRule.objects.all())
    own_levels = [rule.level for rule in rules if rule.level]
    default_scope = ~Q(level__in=own_levels) if own_levels else Q()
    return [(rule, Q(level=rule.level) if rule.level else default_scope) for rule in rules if rule.is_active]


def idle_since_before(moment: dt.datetime) -> Q:
    """Customers with no follow-up, claim or creation since ``moment``: one comparison on the stored column."""
    return Q(idle_since__lt=moment)


def idle_since(customer: Customer) -> dt.datetime:
    """When the customer's rule clock started: its latest follow-up, claim or creation (the stored column)."""
    return customer.idle_since or Customer.idle_since_of(
        customer.last_follow_up_at, customer.claimed_at, customer.created_at
    )


def rule_for(level: str, rules: list[PoolRule]) -> PoolRule | None:
    """The rule in force for a level: its own rule (none if that is switched off), else the active default."""
    own = next((rule for rule in rules if rule.level and rule.level == level), None)
    if own is not None:
        return own if own.is_active else None
    return next((rule for rule in rules if not rule.level and rule.is_active), None)


def returns_at(customer: Customer, rules: list[PoolRule] | None = None) -> dt.datetime | None:
    """When the rule will take this customer back, or None if it is not owned or no active rule covers it."""
    if customer.owner_id is None:
        return None
    rule = rule_for(customer.level, list(PoolRule.objects.all()) if rules is None else rules)
    return None if rule is None else idle_since(customer) + dt.timedelta(days=rule.days)


def idle_owned(rule_scope: Q, moment: dt.datetime) -> QuerySet[Customer]:
    return Customer.objects.filter(owner__isnull=False).filter(rule_scope).filter(idle_since_before(moment))


def _enter_pool(ids: list[int], now: dt.datetime) -> None:
    """The set-based part of every way into the pool: no owner, clocks reset, collaborators gone (the old team
    must not keep working a customer it gave up)."""
    Customer.objects.filter(pk__in=ids).update(
        owner=None, pool_entered_at=now, pool_warned_at=None, claimed_at=None, updated_at=now, **bump_version()
    )
    Customer.objects.filter(pk__in=ids).update(idle_since=IDLE_SINCE_SQL)  # without the claim now
    Customer.collaborators.through.objects.filter(customer_id__in=ids).delete()


def return_idle_customers(now: dt.datetime | None = None) -> int:
    """Runs every active rule: idle owned customers go to the pool. Returns how many went.

    Set-based and batched: one indexed query finds the idle customers of a rule; then each batch of them is locked
    and re-checked (a follow-up logged meanwhile keeps a customer), moved with one UPDATE, and its movements and
    audit rows are written in the same transaction. Previous owners get one in-app notification each.
    """
    now = now or timezone.now()
    returned: dict[int, int] = defaultdict(int)  # previous owner -> count
    for rule, scope in rules_in_force():
        reason = _("No follow-up for %(days)d days") % {"days": rule.days}
        candidates = idle_owned(scope, now - dt.timedelta(days=rule.days))
        ids = list(candidates.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            with transaction.atomic():
                batch = list(
                    candidates.filter(pk__in=ids[start : start + BATCH_SIZE])
                    .select_for_update()
                    .values_list("pk", "owner_id", "name")
                )
                if not batch:
                    continue
                _enter_pool([pk for pk, _owner, _name in batch], now)
                PoolMovement.objects.bulk_create(
                    [
                        PoolMovement(
                            customer_id=pk, action=PoolMovement.Action.RETURNED, previous_owner_id=owner, reason=reason
                        )
                        for pk, owner, _name in batch
                    ]
                )
                owners = {user.pk: str(user) for user in User.objects.filter(pk__in={o for _pk, o, _name in batch})}
                audit.record_events(
                    actor=None,
                    action=PoolAuditAction.POOL_RETURN,
                    events=[
                        (Customer(pk=pk, name=name), {"owner": [owners.get(owner, str(owner)), None]})
                        for pk, owner, name in batch
                    ],
                    message=reason,
                )
                for _pk, owner, _name in batch:
                    returned[owner] += 1
    for recipient in User.objects.filter(pk__in=returned, is_active=True):
        notify(recipient, RETURNED_TO_POOL(count=returned[recipient.pk]), reverse("customers:pool"))
    return sum(returned.values())


@dataclass(frozen=True)
class PendingReturn:
    customer_id: int
    name: str
    returns_at: dt.datetime
    rule_days: int
    warn_days: int


def warn_owners_before_return(now: dt.datetime | None = None) -> int:
    """Warns owners about customers entering their rule's warning window; one notification (and e-mail) per
    owner, each customer once. Returns how many customers were warned."""
    now = now or timezone.now()
    pending: dict[int, list[PendingReturn]] = defaultdict(list)
    for rule, scope in rules_in_force():
        if not rule.warn_days:
            continue
        due = (
            idle_owned(scope, now - dt.timedelta(days=rule.days - rule.warn_days))
            .filter(pool_warned_at__isnull=True)
            .only("pk", "name", "owner_id", "idle_since")
        )
        for customer in due.iterator(chunk_size=2000):
            returns = idle_since(customer) + dt.timedelta(days=rule.days)
            assert customer.owner_id is not None  # idle_owned(): owned customers only
            pending[customer.owner_id].append(
                PendingReturn(customer.pk, customer.name, returns, rule.days, rule.warn_days)
            )
    warned = 0
    for owner in User.objects.filter(pk__in=pending):
        with transaction.atomic():
            items = {item.customer_id: item for item in pending[owner.pk]}
            # Locked and re-checked: a follow-up or a second run meanwhile takes a customer out of the warning.
            locked = (
                Customer.objects.select_for_update()
                .filter(pk__in=items, owner=owner, pool_warned_at__isnull=True)
                .only("pk", "idle_since")
            )
            still_due = {
                customer.pk
                for customer in locked
                if idle_since(customer)
                <= now - dt.timedelta(days=items[customer.pk].rule_days - items[customer.pk].warn_days)
            }
            if not still_due:
                continue
            Customer.objects.filter(pk__in=still_due).update(pool_warned_at=now)
            if owner.is_active:
                _send_warning(owner, sorted((items[pk] for pk in still_due), key=lambda item: item.returns_at))
            warned += len(still_due)
    return warned


def _send_warning(owner: User, items: list[PendingReturn]) -> None:
    shown = [{"customer": item.name, "returns_at": item.returns_at.isoformat()}
             for item in items[:WARNING_LIST_LENGTH]]
    notify(owner, RETURNING_SOON(count=len(items), customers=shown, more=max(0, len(items) - WARNING_LIST_LENGTH)),
           reverse("customers:pool_returning"), email=True, level=Notification.Level.WARNING)


RETURNING_SHOWN = 100


def customers_returning_soon(owner: User, now: dt.datetime | None = None,
                             limit: int = RETURNING_SHOWN) -> list[tuple[Customer, dt.datetime]]:
    """The owner's customers inside their rule's warning window, soonest first, with when each returns: at most
    ``limit`` (one more tells the caller there are others). Each rule's soonest come from the database, sorted by
    the moment the rule's clock started (``idle_since``, read along the (owner, idle_since) index), so a rep with
    170,000 idle customers reads a hundred of them, not all."""
    now = now or timezone.now()
    found: list[tuple[Customer, dt.datetime]] = []
    for rule, scope in rules_in_force():
        window = max(rule.warn_days, 1)  # a rule without a warning still shows the last day
        since = now - dt.timedelta(days=max(rule.days - window, 0))
        # The sort holds ids and the moment only; the rows shown are read afterwards by primary key.
        ids = list(idle_owned(scope, since).filter(owner=owner).order_by("idle_since", "pk")
                   .values_list("pk", flat=True)[: limit + 1])
        soonest = Customer.objects.filter(pk__in=ids).select_related("owner")
        found.extend((customer, idle_since(customer) + dt.timedelta(days=rule.days)) for customer in soonest)
    return sorted(found, key=lambda pair: (pair[1], pair[0].pk))[: limit + 1]


# --- People moving customers ---------------------------------------------------------------------------------


def _require_pool(user: User) -> None:
    if not user.has_module_perm("customers", "pool"):
        raise DomainError(_("Your role may not use the public pool."), code="permission_denied")


def claimed_count(user: User) -> int:
    """Customers the user holds that came from the pool: what the claim limit counts."""
    return Customer.objects.filter(owner=user, claimed_at__isnull=False).count()


def claim_limit(user: User) -> int | None:
    """Most customers the user may hold from the pool (None: no limit), the most generous of their roles."""
    return user.role_setting(POOL_CLAIM_LIMIT.code)


def _check_claim_limit(user: User, *, for_someone_else: bool = False) -> None:
    # Locking the holder's row serialises their claims (PostgreSQL), so two at once cannot both pass the limit;
    # SQLite serialises writing transactions anyway.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    limit = claim_limit(user)
    if limit is not None and claimed_count(user) >= limit:
        if for_someone_else:
            raise DomainError(
                _("%(user)s already holds %(limit)d customers from the pool, their limit.")
                % {"user": user, "limit": limit},
                field="owner",
                code="claim_limit",
            )
        raise DomainError(
            _("You already hold %(limit)d customers from the pool, your limit. Release one before claiming another.")
            % {"limit": limit},
            code="claim_limit",
        )


def _take_out_of_pool(customer: Customer, owner: User, now: dt.datetime) -> None:
    """The conditional UPDATE that makes claims race-safe: only a customer still without an owner moves."""
    moved = Customer.objects.filter(pk=customer.pk, owner__isnull=True, pool_entered_at__isnull=False).update(
        owner=owner,
        department=owner.department_id,
        claimed_at=now,
        idle_since=Customer.idle_since_of(customer.last_follow_up_at, now, customer.created_at),
        pool_entered_at=None,
        pool_warned_at=None,
        updated_at=now,
        **bump_version(),  # an edit form opened before the claim is stale: it must not put the old owner back
    )
    if not moved:
        raise DomainError(_("Someone else has just taken this customer from the pool."), code="conflict")
    customer.refresh_from_db()


@transaction.atomic
def claim_from_pool(*, actor: User, customer: Customer, now: dt.datetime | None = None) -> Customer:
    """The actor takes a pool customer as their own, within the claim limit of their roles."""
    now = now or timezone.now()
    _require_pool(actor)
    _check_claim_limit(actor)
    last_exit = (
        PoolMovement.objects.filter(
            customer=customer, action__in=[PoolMovement.Action.RELEASED, PoolMovement.Action.RETURNED]
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if (
        last_exit
        and last_exit.previous_owner_id == actor.pk
        and last_exit.created_at > now - dt.timedelta(days=RECLAIM_BLOCK_DAYS)
    ):
        raise DomainError(
            _("This customer left your hands less than %(days)d days ago; someone else may claim it first.")
            % {"days": RECLAIM_BLOCK_DAYS},
            code="reclaim_blocked",
        )
    _take_out_of_pool(customer, actor, now)
    PoolMovement.objects.create(customer=customer, action=PoolMovement.Action.CLAIMED, actor=actor)
    audit.record_event(
        actor=actor, action=PoolAuditAction.POOL_CLAIM, instance=customer, changes={"owner": [None, str(actor)]}
    )
    return customer


@transaction.atomic
def assign_from_pool(*, actor: User, customer: Customer, owner: User, now: dt.datetime | None = None) -> Customer:
    """A manager hands a pool customer to someone; it counts against that person's claim limit."""
    now = now or timezone.now()
    _require_pool(actor)
    if not actor.has_module_perm("customers", "assign"):
        raise DomainError(_("Your role may not assign customers."), code="permission_denied")
    if owner is None or not owner.is_active:
        raise DomainError(_("The owner must be an active user."), field="owner")
    _check_claim_limit(owner, for_someone_else=owner.pk != actor.pk)
    _take_out_of_pool(customer, owner, now)
    PoolMovement.objects.create(customer=customer, action=PoolMovement.Action.ASSIGNED, actor=actor)
    audit.record_event(
        actor=actor,
        action=PoolAuditAction.POOL_CLAIM,
        instance=customer,
        changes={"owner": [None, str(owner)]},
        message=_("Assigned from the pool to %(owner)s") % {"owner": owner},
    )
    return customer


def can_release(user: User, customer: Customer) -> bool:
    """The owner with customers.pool, or someone who may assign it (a manager over its owner)."""
    if customer.owner_id is None or customer.deleted_at is not None:
        return False
    if customer.owner_id == user.pk and user.has_module_perm("customers", "pool"):
        return True
    return Customer.objects.visible_to(user, "assign").filter(pk=customer.pk).exists()


@transaction.atomic
def release_to_pool(*, actor: User, customer: Customer, reason: str, now: dt.datetime | None = None) -> Customer:
    """Gives a customer up to the pool, with a reason that the pool's history and the audit trail keep."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for releasing this customer to the pool."), field="reason")
    if len(reason) > 300:
        raise DomainError(_("Keep the reason under 300 characters."), field="reason")
    if customer.owner_id is None:
        raise DomainError(_("This customer is already in the public pool."), code="in_pool")
    if not can_release(actor, customer):
        raise DomainError(
            _("Only the owner or a manager who may assign it can release this customer."), code="permission_denied"
        )
    previous_owner = customer.owner
    collaborators = sorted(str(user) for user in customer.collaborators.all())
    # Conditional, like a claim: if the customer changed hands since the page was loaded, nothing happens.
    if not list(
        Customer.objects.select_for_update()
        .filter(pk=customer.pk, owner_id=customer.owner_id)
        .values_list("pk", flat=True)
    ):
        raise DomainError(_("This customer has changed hands meanwhile; reload the page."), code="conflict")
    _enter_pool([customer.pk], now)
    customer.refresh_from_db()
    PoolMovement.objects.create(
        customer=customer,
        action=PoolMovement.Action.RELEASED,
        actor=actor,
        previous_owner=previous_owner,
        reason=reason,
    )
    changes: dict[str, list[Any]] = {"owner": [str(previous_owner), None]}
    if collaborators:
        changes["collaborators"] = [collaborators, []]
    audit.record_event(
        actor=actor, action=PoolAuditAction.POOL_RELEASE, instance=customer, changes=changes, message=reason
    )
    return customer


# --- The 360° timeline ---------------------------------------------------------------------------------------


def pool_timeline(customer: Customer, user: User, before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Entries to and exits from the pool, with who and why (the caller already sees the customer)."""
    movements = customer.pool_movements.select_related("actor", "previous_owner")
    if before is not None:
        movements = movements.filter(created_at__lt=before)
    entries = []
    for movement in movements[:limit]:
        title = movement.get_action_display()
        if movement.previous_owner_id:
            title = f"{title} · {movement.previous_owner}"
        entries.append(
            TimelineEntry(
                at=movement.created_at,
                kind="pool",
                title=title,
                body=movement.reason,
                actor=str(movement.actor or _("System")),
                icon="inboxes",
            )
        )
    return entries


# --- Rules (administrators) --------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not actor.has_module_perm("system", "edit"):
        raise DomainError(_("Only administrators may change the pool rules."), code="permission_denied")


@transaction.atomic
def save_pool_rule(*, actor: User, data: dict, rule: PoolRule | None = None) -> PoolRule:
    _require_admin(actor)
    return audit.save_with_audit(actor=actor, instance=rule or PoolRule(), data=data)


@transaction.atomic
def delete_pool_rule(*, actor: User, rule: PoolRule) -> None:
    _require_admin(actor)
    audit.record_delete(actor=actor, instance=rule)
    rule.delete()
