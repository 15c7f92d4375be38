"""Every change to customers goes through these functions, whichever door (page, API, import, task) it came by."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.concurrency import SetChange, apply_set_change, bump_version, lock_for_update
from crm.core.errors import DomainError
from crm.customers.apps import NUMBER_SEQUENCE
from crm.customers.messages import FOLLOW_UP_DUE
from crm.customers.models import Activity, Contact, Customer, Tag
from crm.customers.services.personal_data import apply_consent_rules
from crm.notifications.services import schedule_reminder
from crm.system.numbering import next_number


def _check_owner(actor: User, owner: User | None) -> None:
    """Giving a customer to someone else is an assignment, which needs its own permission."""
    if owner is not None and owner.pk != actor.pk and not actor.has_module_perm("customers", "assign"):
        raise DomainError(_("You may not assign customers to other users."), field="owner")
    if owner is not None and not owner.is_active:
        raise DomainError(_("The owner must be an active user."), field="owner")


def may_change_owner(actor: User, customer: Customer) -> bool:
    """Who may change an owned customer's owner: a holder of customers.assign whose scope for it covers the
    customer. Collaborators and reps cannot take a customer (or give it away) by editing it; a pool customer
    changes hands by claim or assignment from the pool, and an owner gives one up only by releasing it."""
    return (
        not customer.in_pool
        and actor.has_module_perm("customers", "assign")
        and Customer.objects.visible_to(actor, "assign").filter(pk=customer.pk).exists()
    )


def check_owner_change(actor: User, customer: Customer, owner: User | None) -> None:
    """Refuses a change of ``customer``'s owner to ``owner`` that ``actor`` may not make (see may_change_owner);
    no owner at all is refused to everyone: releasing to the pool is how a customer loses its owner."""
    if owner is None:
        raise DomainError(_("A customer always has an owner; release it to the public pool to give it up."),
                          field="owner")
    if customer.in_pool:
        raise DomainError(_("This customer is in the public pool: claim it or assign it from the pool."),
                          field="owner")
    if not may_change_owner(actor, customer):
        raise DomainError(_("Only users who may assign customers can change their owner."), field="owner")
    _check_owner(actor, owner)


def _relations(customer: Customer) -> dict[str, list[str]]:
    """Tags and collaborators as the audit trail shows them (many-to-many fields are not in snapshot())."""
    return {"tags": sorted(t.name for t in customer.tags.all()),
            "collaborators": sorted(str(u) for u in customer.collaborators.all())}


def tags_by_name(names: list[str]) -> list[Tag]:
    """The tags with these names, creating the missing ones: typing a new tag is how tags are made."""
    cleaned = list(dict.fromkeys(name.strip()[:50] for name in names if name and name.strip()))
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=cleaned)}
    return [existing.get(name) or Tag.objects.get_or_create(name=name)[0] for name in cleaned]


def _tags(tags: Iterable[Tag | str]) -> list[Tag]:
    tags = list(tags)
    return [tag for tag in tags if isinstance(tag, Tag)] + tags_by_name([tag for tag in tags if isinstance(tag, str)])


def _set_relations(customer: Customer, tags: list[Tag | str] | SetChange | None,
                   collaborators: list[User] | SetChange | None) -> None:
    """A list replaces the set (worked out against the locked, current one); a SetChange adds and removes only
    what it names, so concurrent additions all stay."""
    if tags is not None:
        if isinstance(tags, SetChange):
            apply_set_change(customer.tags, SetChange(add=tuple(_tags(tags.add)), remove=tuple(_tags(tags.remove))))
        else:
            apply_set_change(customer.tags, _tags(tags))
    if collaborators is not None:
        added = collaborators.add if isinstance(collaborators, SetChange) else collaborators
        if any(not user.is_active for user in added):
            raise DomainError(_("Collaborators must be active users."), field="collaborators")
        if isinstance(collaborators, SetChange):
            apply_set_change(customer.collaborators, SetChange(
                add=tuple(user for user in collaborators.add if user.pk != customer.owner_id),
                remove=collaborators.remove))
        else:
            apply_set_change(customer.collaborators, [user for user in collaborators if user.pk != customer.owner_id])


def _save_numbered(customer: Customer) -> None:
    """Saves a new customer; a number taken meanwhile by someone else (only possible for a number given, not
    one from the sequence) is a clear error on the number, not a server error."""
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        if customer.number and Customer.all_objects.filter(number=customer.number).exists():
            raise DomainError(_("Another customer already has this number."), field="number") from None
        raise


@transaction.atomic
def create_customer(*, actor: User, data: dict[str, Any]) -> Customer:
    """Creates a customer owned by ``data['owner']`` or the actor, in the owner's department.

    ``data['number']`` (an import's) is kept when given; otherwise the next customer number is taken."""
    fields = dict(data)
    tags, collaborators = fields.pop("tags", None), fields.pop("collaborators", None)
    owner = fields.pop("owner", None) or actor
    _check_owner(actor, owner)
    customer = Customer(**fields, owner=owner, created_by=actor)
    customer.department_id = fields.get("department_id") or owner.department_id
    if customer.lifecycle_stage != Customer.Stage.PROSPECT:
        customer.lifecycle_locked = True  # a stage given at creation is a choice by hand
    customer.number = (customer.number or "").strip() or None
    customer.full_clean()  # a given number: its form and that no other customer has it
    if customer.number is None:
        customer.number = next_number(NUMBER_SEQUENCE)
    _save_numbered(customer)
    _set_relations(customer, tags, collaborators)
    event = audit.record_create(actor=actor, instance=customer)
    if tags or collaborators:
        event.changes.update({k: [None, v] for k, v in _relations(customer).items() if v})
        event.save(update_fields=["changes"])
    return customer


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, data: dict[str, Any]) -> Customer:
    """Applies ``data`` (the fields to change; ``tags``/``collaborators`` a whole list or a ``SetChange``) to the
    customer as it is now: the row is read again under a lock, so concurrent edits of other fields all stay and
    the audit row's "from" values are the ones replaced."""
    lock_for_update(customer)
    fields = dict(data)
    if "number" in fields and fields["number"] != customer.number:
        # Documents, letters and other systems quote it: a customer keeps the number it was given.
        raise DomainError(_("The customer number cannot be changed."), field="number")
    tags, collaborators = fields.pop("tags", None), fields.pop("collaborators", None)
    if "owner" in fields and getattr(fields["owner"], "pk", None) == customer.owner_id:
        del fields["owner"]  # unchanged
    if "owner" in fields:
        check_owner_change(actor, customer, fields["owner"])
    before = {**audit.snapshot(customer), **_relations(customer)}
    for name, value in fields.items():
        setattr(customer, name, value)
    if "owner" in fields and fields["owner"] is not None:
        customer.department_id = fields["owner"].department_id
    if "lifecycle_stage" in fields and fields["lifecycle_stage"] != before["lifecycle_stage"]:
        customer.lifecycle_locked = True  # picked by hand: the scheduled job leaves it alone from now on
    customer.full_clean()
    customer.save()
    _set_relations(customer, tags, collaborators)
    changes = audit.diff(before, {**audit.snapshot(customer), **_relations(customer)})
    if changes:
        audit.record_event(actor=actor, action=AuditEvent.Action.UPDATE, instance=customer, changes=changes)
    return customer


@transaction.atomic
def delete_customer(*, actor: User, customer: Customer) -> None:
    """Moves the customer to the recycle bin; its contacts and history stay, so a restore brings all back."""
    lock_for_update(customer)  # a merge or restore meanwhile: act on the record as it is now
    if customer.deleted_at is not None:
        raise DomainError(_("This customer is already in the recycle bin."))
    customer.deleted_at = timezone.now()
    customer.deleted_by = actor
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit.record_event(actor=actor, action=AuditEvent.Action.DELETE, instance=customer,
                       message=_("Moved to the recycle bin"))


def _require_recycle_bin_admin(actor: User) -> None:
    if not actor.has_module_perm("system", "edit"):
        raise DomainError(_("Only administrators may restore or purge deleted customers."),
                          code="permission_denied")


# How long whoever deleted a customer may take it back themselves (the list's "Undo"); after that, or for anyone
# else, restoring is the administrators' work in the recycle bin.
UNDO_WINDOW = datetime.timedelta(minutes=30)


@transaction.atomic
def restore_customer(*, actor: User, customer: Customer) -> Customer:
    lock_for_update(customer)  # a merge meanwhile sets merged_into: read it as it is now
    if customer.deleted_at is None:
        raise DomainError(_("This customer is not in the recycle bin."))
    undoing = customer.deleted_by_id == actor.pk and customer.deleted_at >= timezone.now() - UNDO_WINDOW
    if not undoing:
        _require_recycle_bin_admin(actor)
    if customer.merged_into_id:
        raise DomainError(_("This customer was merged into another one and cannot be restored."))
    customer.deleted_at, customer.deleted_by = None, None
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit.record_event(actor=actor, action=AuditEvent.Action.RESTORE, instance=customer)
    return customer


@transaction.atomic
def purge_customer(*, actor: User, customer: Customer) -> None:
    """Deletes a customer in the recycle bin for good, with its contacts and follow-ups."""
    _require_recycle_bin_admin(actor)
    lock_for_update(customer)  # restored meanwhile: it must not be purged
    if customer.deleted_at is None:
        raise DomainError(_("Only customers in the recycle bin can be purged."))
    audit.record_event(actor=actor, action=AuditEvent.Action.PURGE, instance=customer,
                       changes={"name": [customer.name, None]})
    customer.delete()


# --- Contacts --------------------------------------------------------------------------------------------

def contact_snapshot(contact: Contact) -> dict[str, Any]:
    """The audited state of a contact, sensitive values masked: the trail must not become a leak."""
    state = audit.snapshot(contact)
    for name in Contact.SENSITIVE_FIELDS:
        state[name] = contact.masked(name) if getattr(contact, name) else ""
    for name in ("mobile_index", "email_index", "id_number_index"):
        state.pop(name, None)
    return state


@transaction.atomic
def create_contact(*, actor: User, customer: Customer, data: dict[str, Any]) -> Contact:
    contact = Contact(customer=customer, **data)
    apply_consent_rules(contact)
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        customer.contacts.filter(is_primary=True).exclude(pk=contact.pk).update(is_primary=False, **bump_version())
    audit.record_event(actor=actor, action=AuditEvent.Action.CREATE, instance=contact,
                       changes={k: [None, v] for k, v in contact_snapshot(contact).items() if v not in (None, "")})
    return contact


@transaction.atomic
def update_contact(*, actor: User, contact: Contact, data: dict[str, Any]) -> Contact:
    lock_for_update(contact)  # what is changed, and the audit's "from", as it is now
    if contact.erased_at is not None:  # erased on request: new data would bring the person back unnoticed
        raise DomainError(_("This person's data was erased on request; the contact can no longer be edited."))
    before = contact_snapshot(contact)
    for name, value in data.items():
        setattr(contact, name, value)
    apply_consent_rules(contact)
    contact.full_clean()
    contact.save()
    if contact.is_primary:
        contact.customer.contacts.filter(is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False, **bump_version())
    changes = audit.diff(before, contact_snapshot(contact))
    if changes:
        audit.record_event(actor=actor, action=AuditEvent.Action.UPDATE, instance=contact, changes=changes)
    return contact


@transaction.atomic
def delete_contact(*, actor: User, contact: Contact) -> None:
    audit.record_delete(actor=actor, instance=contact)
    contact.delete()


def reveal_contact(*, actor: User, contact: Contact) -> dict[str, str]:
    """The unmasked sensitive values, for a user whose role allows it; every reveal is in the audit trail."""
    if not actor.has_module_perm("customers", "unmask"):
        raise DomainError(_("Your role may not see unmasked personal data."), code="permission_denied")
    audit.record_unmask(actor=actor, instance=contact, field=",".join(Contact.SENSITIVE_FIELDS))
    return {name: getattr(contact, name) for name in Contact.SENSITIVE_FIELDS}


# --- Follow-ups ------------------------------------------------------------------------------------------

@transaction.atomic
def log_activity(*, actor: User, customer: Customer, data: dict[str, Any]) -> Activity:
    """Records a follow-up, moves the customer's last/next follow-up dates, and reminds the owner when the
    next follow-up falls due."""
    activity = Activity(customer=customer, created_by=actor, **data)
    if activity.occurred_at is None:
        activity.occurred_at = timezone.now()
    activity.full_clean()
    activity.save()
    fields: dict[str, Any] = {}
    if customer.last_follow_up_at is None or activity.occurred_at >= customer.last_follow_up_at:
        fields["last_follow_up_at"] = activity.occurred_at
        fields["next_follow_up_at"] = activity.next_follow_up_at
        fields["pool_warned_at"] = None  # the pool rule's clock restarts, and with it the warning
        fields["idle_since"] = Customer.idle_since_of(activity.occurred_at, customer.claimed_at, customer.created_at)
    if fields:
        Customer.objects.filter(pk=customer.pk).update(**fields)
        for name, value in fields.items():
            setattr(customer, name, value)
    if activity.next_follow_up_at and customer.owner is not None:
        schedule_reminder(
            actor=actor, recipient=customer.owner, due_at=activity.next_follow_up_at,
            message=FOLLOW_UP_DUE(customer=customer.name, subject=activity.subject), url=customer.get_absolute_url())
    audit.record_create(actor=actor, instance=activity)
    return activity
