"""Every change to customers goes through these functions, whichever door (page, API, import, task) it came by."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from crm.accounts.models import User
from crm.audit import services as audit
from crm.customers.models import Customer


@transaction.atomic
def create_customer(*, actor: User, data: dict[str, Any]) -> Customer:
    """Creates a customer owned by ``data['owner']`` or the actor, in the owner's department."""
    fields = dict(data)
    owner = fields.pop("owner", None) or actor
    customer = Customer(**fields, owner=owner, created_by=actor)
    customer.department_id = fields.get("department_id") or owner.department_id
    customer.full_clean()
    customer.save()
    audit.record_create(actor=actor, instance=customer)
    return customer


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, data: dict[str, Any]) -> Customer:
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
