"""Bulk actions on selected customers: each record is checked on its own, so a selection that mixes records
the user may and may not change does what is allowed and reports the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.core.concurrency import SetChange
from crm.core.errors import DomainError
from crm.customers import services
from crm.customers.models import Customer, Tag

# action -> the permission it needs on each record. "restore" takes deleted customers back out of the recycle bin
# (the list's Undo after a bulk delete): whoever deleted them, for UNDO_WINDOW, or an administrator.
BULK_ACTIONS = {"assign": "assign", "tag": "edit", "untag": "edit", "pool": "pool", "delete": "delete",
                "restore": "delete"}
MAX_SELECTION = 1000


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # id -> why

    def as_dict(self) -> dict[str, Any]:
        return {"done": self.done, "skipped": [{"id": pk, "reason": why} for pk, why in self.skipped.items()]}


def _perform(action: str, *, actor: User, customer: Customer, owner: User | None, tags: list[Tag],
             reason: str) -> None:
    if action == "assign":
        services.update_customer(actor=actor, customer=customer, data={"owner": owner})
    elif action == "tag":  # added and removed as pairs: a tag someone else adds meanwhile stays
        services.update_customer(actor=actor, customer=customer, data={"tags": SetChange(add=tuple(tags))})
    elif action == "untag":
        services.update_customer(actor=actor, customer=customer, data={"tags": SetChange(remove=tuple(tags))})
    elif action == "pool":
        from crm.customers.services.pool import release_to_pool

        release_to_pool(actor=actor, customer=customer, reason=reason)
    elif action == "delete":
        services.delete_customer(actor=actor, customer=customer)
    elif action == "restore":
        services.restore_customer(actor=actor, customer=customer)


def validate_bulk_request(*, actor: User, action: str, ids: list[int], owner: User | None = None,
                          tag_names: list[str] | None = None, reason: str = "") -> None:
    """Refuses, with the field to blame, a request no record could be changed by: checked before a
    confirmation is asked for, and again when the action runs."""
    if action not in BULK_ACTIONS:
        raise DomainError(_("Unknown bulk action."), field="action")
    if not ids:
        raise DomainError(_("Select at least one customer."), field="ids")
    if len(ids) > MAX_SELECTION:
        raise DomainError(_("Select at most %(count)d customers at once.") % {"count": MAX_SELECTION}, field="ids")
    if action == "assign" and owner is None:
        raise DomainError(_("Choose the new owner."), field="owner")
    if action in ("tag", "untag") and not [name for name in tag_names or [] if name.strip()]:
        raise DomainError(_("Enter at least one tag."), field="tags")
    if action == "pool" and not reason.strip():
        raise DomainError(_("Give a reason for releasing customers to the pool."), field="reason")
    if not actor.has_module_perm("customers", BULK_ACTIONS[action]):
        raise DomainError(_("Your role may not do this."), code="permission_denied")


def bulk_selection(*, actor: User, action: str, ids: list[int]):
    """The selected customers the actor may apply ``action`` to (their scope for its permission)."""
    rows = Customer.all_objects.filter(deleted_at__isnull=False) if action == "restore" else Customer.objects.all()
    return rows.visible_to(actor, BULK_ACTIONS[action]).filter(pk__in=ids)


def bulk_update_customers(*, actor: User, action: str, ids: list[int], owner: User | None = None,
                          tag_names: list[str] | None = None, reason: str = "") -> BulkResult:
    """Applies one action to each selected customer the actor may act on; every record is its own
    transaction and its own audit row, and a refusal of one does not stop the others."""
    validate_bulk_request(actor=actor, action=action, ids=ids, owner=owner, tag_names=tag_names, reason=reason)
    tags = services.tags_by_name(tag_names or []) if action == "tag" else list(
        Tag.objects.filter(name__in=[name.strip() for name in tag_names or []]))
    allowed = {c.pk: c for c in bulk_selection(actor=actor, action=action, ids=ids)
               .prefetch_related("tags", "collaborators")}
    result = BulkResult()
    for pk in dict.fromkeys(ids):
        customer = allowed.get(pk)
        if customer is None:
            result.skipped[pk] = _("Not found or not yours to change.")
            continue
        try:
            with transaction.atomic():
                _perform(action, actor=actor, customer=customer, owner=owner, tags=tags, reason=reason)
        except DomainError as error:
            result.skipped[pk] = error.message
        else:
            result.done.append(pk)
    return result
