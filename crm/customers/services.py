"""Every change to customers goes through these functions, whichever door (page, API, import, task) it came by."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.errors import DomainError
from crm.customers.models import Customer


def _check_owner(actor: User, owner: User | None) -> None:
    """Giving a customer to someone else is an assignment, which needs its own permission."""
    if owner is not None and owner.pk != actor.pk and not actor.has_module_perm("customers", "assign"):
        raise DomainError(_("You may not assign customers to other users."), field="owner")
    if owner is not None and not owner.is_active:
        raise DomainError(_("The owner must be an active user."), field="owner")


@transaction.atomic
def create_customer(*, actor: User, data: dict[str, Any]) -> Customer:
    """Creates a customer owned by ``data['owner']`` or the actor, in the owner's department."""
    fields = dict(data)
    owner = fields.pop("owner", None) or actor
    _check_owner(actor, owner)
    customer = Customer(**fields, owner=owner, created_by=actor)
    customer.department_id = fields.get("department_id") or owner.department_id
    customer.full_clean()
    customer.save()
    audit.record_create(actor=actor, instance=customer)
    return customer


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, data: dict[str, Any]) -> Customer:
    if "owner" in data and data["owner"] is not None and data["owner"].pk != customer.owner_id:
        _check_owner(actor, data["owner"])
    before = audit.snapshot(customer)
    for name, value in data.items():
        setattr(customer, name, value)
    if "owner" in data and data["owner"] is not None:
        customer.department_id = data["owner"].department_id
    customer.full_clean()
    customer.save()
    audit.record_update(actor=actor, instance=customer, before=before)
    return customer


@transaction.atomic
def delete_customer(*, actor: User, customer: Customer) -> None:
    audit.record_delete(actor=actor, instance=customer)
    customer.delete()
