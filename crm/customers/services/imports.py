"""The bulk write of an import: customers created and updated, their primary contacts and tags, with the audit
trail the same changes made one by one (create_customer, update_customer, create_contact) would leave — a
create row per customer and per contact, an update row per changed customer — written in bulk.

Derived columns come from the models' own ``fill_derived()`` (what ``save()`` calls); rows are inserted by the
imports app's fast writer (``crm.imports.bulk.insert_objects``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.bulk import InstanceBuilder
from crm.core.crypto import blind_index
from crm.core.fulltext import search_index_filled_in_bulk
from crm.customers.apps import NUMBER_SEQUENCE
from crm.customers.models import Contact, Customer, Tag
from crm.customers.services import contact_snapshot
from crm.imports.bulk import chunks, insert_objects
from crm.imports.registry import RowOutcome, WriteResult
from crm.system.numbering import next_numbers

if TYPE_CHECKING:
    from crm.customers.importing.rows import CustomerPlan, RowPlan

# Rows per batch of inserts (and per progress step).
WRITE_BATCH = 5000
# Customers updated per batch: each is read, compared and written back.
UPDATE_BATCH = 500


def _tag_names(customer: Customer) -> dict[str, list[str]]:
    # Tags as update_customer()/create_customer() show them in the audit trail.
    return {"tags": sorted(t.name for t in customer.tags.all())}


@transaction.atomic
def import_customers(
    *, actor: User, plan: CustomerPlan, progress: Callable[[int], None] = lambda done: None
) -> WriteResult:
    """Writes a checked plan: every planned creation, then every planned update of a customer the actor may
    still edit (others are skipped and reported). All or nothing."""
    tags = ensure_tags({t for p in (*plan.creates, *plan.updates) for t in p.tags})
    # Numbers the file gives its new customers: the sequence skips them for the others.
    given = {p.customer["number"] for p in plan.creates if p.customer.get("number")}
    numbers = number_block(sum(1 for p in plan.creates if not p.customer.get("number")), reserved=given)
    done = 0
    # New rows reach the search index in one statement per table at the end (see the context manager).
    with search_index_filled_in_bulk(Customer), search_index_filled_in_bulk(Contact):
        for batch in chunks(plan.creates, WRITE_BATCH):
            create_batch(actor, batch, tags, numbers)
            done += len(batch)
            progress(done)
    result = WriteResult(created=len(plan.creates), updated=0)
    for batch in chunks(plan.updates, UPDATE_BATCH):
        updated, skipped = update_batch(actor, batch, tags, plan.cells)
        result.updated += updated
        result.skipped += skipped
        done += len(batch)
        progress(done)
    return result


def ensure_tags(names: set[str]) -> dict[str, Tag]:
    """{tag name: tag}, creating the tags the file names that do not exist yet."""
    if not names:
        return {}
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    return {tag.name: tag for tag in Tag.objects.filter(name__in=names)}


def number_block(count: int, reserved: Collection[str] = ()) -> Iterator[str]:
    """``count`` customer numbers (客户编号) taken from the sequence by one statement for a whole import, inside its
    transaction (a rollback gives them back); ``reserved``: numbers the import's rows give themselves, which the
    sequence skips."""
    return iter(next_numbers(NUMBER_SEQUENCE, count, reserved=reserved))


def set_batch_defaults(customers: list[Customer], numbers: Iterator[str]) -> None:
    """Columns allocated or defaulted per batch of new customers rather than per row: a customer given no number
    takes the next of ``numbers`` (a number_block()); one given a number keeps it."""
    for customer in customers:
        if not customer.number:
            customer.number = next(numbers)


def create_batch(actor: User, batch: Sequence[RowPlan], tags: dict[str, Tag], numbers: Iterator[str]) -> None:
    """Inserts the customers, their primary contacts and tag links, and their create rows."""
    new_customer, new_contact = InstanceBuilder(Customer), InstanceBuilder(Contact)
    customers = []
    for row in batch:
        owner = row.owner or actor
        values = {key: value for key, value in row.customer.items() if value is not None}
        customers.append(new_customer(values, owner=owner, department=owner.department, created_by=actor))
    set_batch_defaults(customers, numbers)
    for customer in customers:
        customer.fill_derived()  # after the number: it is part of the search text
    insert_objects(Customer, customers)
    contacts = []
    for row, customer in zip(batch, customers, strict=True):
        if row.contact:
            contact = new_contact({**row.contact, "is_primary": True}, customer=customer)
            contact.fill_derived()
            contacts.append(contact)
    insert_objects(Contact, contacts)
    names = {customer.pk: list(dict.fromkeys(row.tags)) for row, customer in zip(batch, customers, strict=True)}
    Customer.tags.through.objects.bulk_create(
        [Customer.tags.through(customer_id=pk, tag_id=tags[n].pk) for pk, tagged in names.items() for n in tagged],
        batch_size=WRITE_BATCH,
    )
    # As create_customer() writes them: the snapshot, then the tags (collaborators: none).
    audit.record_creates(
        actor=actor,
        instances=customers,
        state=lambda c: {**audit.snapshot(c), "tags": sorted(names[c.pk]), "collaborators": []},
    )
    audit.record_creates(actor=actor, instances=contacts, state=contact_snapshot)


def update_batch(
    actor: User, batch: Sequence[RowPlan], tags: dict[str, Tag], cells: dict[int, list[str]]
) -> tuple[int, list[RowOutcome]]:
    """Updates the matched customers with the file's non-empty values (all but the name; a tags cell sets the
    tags) and adds the row's contact unless the customer has one with its mobile or e-mail. Only customers
    whose values change are written, each with the update row update_customer() writes for the same change."""
    now = timezone.now()
    # Re-checked inside the write transaction: the customer may have changed hands since the preview.
    editable = {
        c.pk: c
        for c in Customer.objects.visible_to(actor, "edit")
        .filter(pk__in=[row.target for row in batch])
        .select_related("owner", "department", "created_by")
        .prefetch_related("tags")
        # Locked to the end of the write: an edit made meanwhile is neither read stale nor overwritten.
        .select_for_update(of=("self",), no_key=True)
    }
    known: dict[int, set[str]] = {}
    for customer_id, mobile_index, email_index in Contact.objects.filter(customer_id__in=editable).values_list(
        "customer_id", "mobile_index", "email_index"
    ):
        known.setdefault(customer_id, set()).update({mobile_index, email_index} - {""})
    has_contacts = set(known)
    changed: list[tuple[Customer, dict, dict]] = []
    contacts: list[Contact] = []
    links_added: list = []
    links_removed: list[tuple[int, int]] = []
    skipped: list[RowOutcome] = []
    for row in batch:
        customer = editable.get(row.target)
        if customer is None:
            skipped.append(
                RowOutcome(
                    row=row.number,
                    action="skip",
                    cells=cells.get(row.number, []),
                    messages=[_("Skipped: you may no longer edit the existing customer.")],
                )
            )
            continue
        current_tags = {t.name: t for t in customer.tags.all()}
        before = {**audit.snapshot(customer), **_tag_names(customer)}
        # The name stays: the match may have been on a similar name, a phone or an e-mail. The number never
        # changes (the check made sure the row's is the customer's own).
        for key, value in row.customer.items():
            if key not in ("name", "number") and value not in (None, ""):
                setattr(customer, key, value)
        if row.owner is not None and row.owner.pk != customer.owner_id:
            customer.owner, customer.department = row.owner, row.owner.department
        customer.fill_derived()
        after = {**audit.snapshot(customer), "tags": sorted(current_tags)}
        if row.tags:
            wanted = list(dict.fromkeys(row.tags))
            after["tags"] = sorted(wanted)
            links_added += [
                Customer.tags.through(customer_id=customer.pk, tag_id=tags[name].pk)
                for name in wanted
                if name not in current_tags
            ]
            links_removed += [(customer.pk, tag.pk) for name, tag in current_tags.items() if name not in wanted]
        if before != after:
            customer.updated_at = now
            customer.version = F("version") + 1  # an edit form opened before the import is now stale
            changed.append((customer, before, after))
        if row.contact:
            indexes = {blind_index(row.contact["mobile"]), blind_index(row.contact["email"])} - {""}
            if not indexes & known.get(customer.pk, set()):
                contact = Contact(customer=customer, is_primary=customer.pk not in has_contacts, **row.contact)
                contact.fill_derived()
                contacts.append(contact)
                known.setdefault(customer.pk, set()).update(indexes)
                has_contacts.add(customer.pk)
    fields = list(dict.fromkeys([*CHANGEABLE, *Customer.DERIVED_FIELDS, "updated_at", "version"]))
    Customer.objects.bulk_update([c for c, _b, _a in changed], fields, batch_size=UPDATE_BATCH)
    for customer_id, tag_id in links_removed:
        Customer.tags.through.objects.filter(customer_id=customer_id, tag_id=tag_id).delete()
    Customer.tags.through.objects.bulk_create(links_added, batch_size=WRITE_BATCH, ignore_conflicts=True)
    insert_objects(Contact, contacts)
    audit.record_updates(actor=actor, changes=changed)
    audit.record_creates(actor=actor, instances=contacts, state=contact_snapshot)
    # Updated: customers with a changed value or a new contact.
    return len({c.pk for c, _b, _a in changed} | {contact.customer_id for contact in contacts}), skipped


# What an import may change on an existing customer.
CHANGEABLE = ("kind", "customer_type", "phone", "phone_extension", "email", "industry", "scale", "source", "level",
              "credit_rating", "city", "address", "remark", "owner", "department", "credit_code", "tax_number",
              "invoice_address", "invoice_phone", "bank_name", "bank_account")
