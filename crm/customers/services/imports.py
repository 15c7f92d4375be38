"""The bulk write of an import: customers created and updated, their primary contacts and tags, with the audit
trail the same changes made one by one (create_customer, update_customer, create_contact) would leave — a
create row per customer and per contact, an update row per changed customer — written in bulk.

Derived columns come from the models' own ``fill_derived()`` (what ``save()`` calls); rows are inserted by the
imports app's fast writer (``crm.imports.bulk.insert_objects``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.bulk import InstanceBuilder
from crm.core.crypto import blind_index
from crm.core.fulltext import search_index_filled_in_bulk
from crm.customers.apps import NUMBER_SEQUENCE
from crm.customers.models import Contact, Customer, Tag
from crm.customers.services import contact_snapshot
from crm.imports.bulk import chunks, insert_objects
from crm.imports.registry import RowOutcome, StepDone, WriteResult, WriteStep
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
    """Writes a checked plan in one transaction: every planned creation, then every planned update of a customer
    the actor may still edit (others are skipped and reported). All or nothing. (An import job runs the same
    steps, import_steps(), each in a transaction of its own.)"""
    result, done = WriteResult(created=0, updated=0), 0
    for step in import_steps(actor=actor, plan=plan):
        part = step()
        result.created += part.result.created
        result.updated += part.result.updated
        result.skipped += part.result.skipped
        done += part.rows
        progress(done)
    return result


def import_steps(*, actor: User, plan: CustomerPlan) -> Iterator[WriteStep]:
    """The write of a checked plan as short steps: the tags and the block of customer numbers, then a batch of
    WRITE_BATCH new customers (with contacts, tag links and audit rows) or UPDATE_BATCH updates per step. Each
    step is atomic and returns what undoes it (undo_import_step()); the caller commits each, or runs them all
    in one transaction."""
    state: dict = {}

    @transaction.atomic
    def prepare() -> StepDone:
        wanted = {t for p in (*plan.creates, *plan.updates) for t in p.tags}
        existing = set(Tag.objects.filter(name__in=wanted).values_list("pk", flat=True))
        state["tags"] = ensure_tags(wanted)
        # Numbers the file gives its new customers: the sequence skips them for the others.
        given = {p.customer["number"] for p in plan.creates if p.customer.get("number")}
        state["numbers"] = number_block(sum(1 for p in plan.creates if not p.customer.get("number")), reserved=given)
        created_tags = sorted(t.pk for t in state["tags"].values() if t.pk not in existing)
        return StepDone(rows=0, result=WriteResult(created=0, updated=0), undo={"tags": created_tags})

    yield prepare
    for batch in chunks(plan.creates, WRITE_BATCH):
        # Here, between two steps and outside their transactions: building the records is most of the work.
        prepared = prepare_batch(actor, batch, state["numbers"])

        @transaction.atomic
        def create(prepared=prepared) -> StepDone:
            # New rows reach the search index in one statement per table at the end of the step.
            with search_index_filled_in_bulk(Customer), search_index_filled_in_bulk(Contact):
                undo = insert_batch(actor, prepared, state["tags"])
            rows = len(prepared)
            return StepDone(rows=rows, result=WriteResult(created=rows, updated=0), undo=undo)

        yield create
    for batch in chunks(plan.updates, UPDATE_BATCH):

        @transaction.atomic
        def update(batch=batch) -> StepDone:
            updated, skipped, undo = update_batch(actor, batch, state["tags"], plan.cells)
            return StepDone(rows=len(batch), result=WriteResult(created=0, updated=updated, skipped=skipped), undo=undo)

        yield update


@transaction.atomic
def undo_import_step(*, actor: User, undo: dict) -> None:
    """Takes back one committed step of import_steps(): deletes the customers and contacts it created with their
    audit rows, puts the values and tags of the customers it updated back (their update rows go), and removes
    the tags it created that nothing uses any more."""
    audit_ids = undo.get("audit", [])
    for start in range(0, len(audit_ids), WRITE_BATCH):
        AuditEvent.objects.filter(pk__in=audit_ids[start : start + WRITE_BATCH]).delete()
    for before in undo.get("updates", []):
        customer = Customer.all_objects.filter(pk=before["id"]).first()
        if customer is None:
            continue
        values = {}
        for name, value in before["values"].items():
            field = _concrete_field(name)
            values[field.attname] = None if value is None else field.to_python(value)
        Customer.all_objects.filter(pk=customer.pk).update(**values)
        customer.tags.set(before["tags"])
    contacts, customers = undo.get("contacts", []), undo.get("customers", [])
    for start in range(0, len(contacts), UPDATE_BATCH):
        Contact.objects.filter(pk__in=contacts[start : start + UPDATE_BATCH]).delete()
    for start in range(0, len(customers), UPDATE_BATCH):
        Customer.all_objects.filter(pk__in=customers[start : start + UPDATE_BATCH]).delete()
    if undo.get("tags"):
        Tag.objects.filter(pk__in=undo["tags"], customers__isnull=True).delete()


def _concrete_field(name: str) -> Field:
    field = Customer._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the customer table, not a relation's other side
    return field


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


@dataclass
class PreparedBatch:
    """New customers and their primary contacts, built with every derived column (numbers, pinyin, normalised
    values, ciphertext, blind indexes) but not yet written."""

    rows: Sequence[RowPlan]
    customers: list[Customer]
    contacts: list[tuple[Customer, Contact]]

    def __len__(self) -> int:
        return len(self.rows)


def prepare_batch(actor: User, batch: Sequence[RowPlan], numbers: Iterator[str]) -> PreparedBatch:
    """The costly part of creating a batch, done before its write transaction so that the database's write lock
    is held only for the inserts."""
    new_customer, new_contact = InstanceBuilder(Customer), InstanceBuilder(Contact)
    customers = []
    for row in batch:
        owner = row.owner or actor
        values = {key: value for key, value in row.customer.items() if value is not None}
        customers.append(new_customer(values, owner=owner, department=owner.department, created_by=actor))
    set_batch_defaults(customers, numbers)
    for customer in customers:
        customer.fill_derived()  # after the number: it is part of the search text
    contacts = []
    for row, customer in zip(batch, customers, strict=True):
        if row.contact:
            contact = new_contact({**row.contact, "is_primary": True})
            contact.fill_derived()
            contacts.append((customer, contact))
    return PreparedBatch(rows=batch, customers=customers, contacts=contacts)


def insert_batch(actor: User, prepared: PreparedBatch, tags: dict[str, Tag]) -> dict:
    """Inserts prepared customers, their primary contacts and tag links, and their create rows; returns what
    undoes it (the ids written)."""
    customers = prepared.customers
    insert_objects(Customer, customers)
    contacts = []
    for customer, contact in prepared.contacts:
        contact.customer = customer  # its id is known now
        contacts.append(contact)
    insert_objects(Contact, contacts)
    names = {c.pk: list(dict.fromkeys(row.tags)) for row, c in zip(prepared.rows, customers, strict=True)}
    Customer.tags.through.objects.bulk_create(
        [Customer.tags.through(customer_id=pk, tag_id=tags[n].pk) for pk, tagged in names.items() for n in tagged],
        batch_size=WRITE_BATCH,
    )
    # As create_customer() writes them: the snapshot, then the tags (collaborators: none).
    rows = audit.record_creates(
        actor=actor,
        instances=customers,
        state=lambda c: {**audit.snapshot(c), "tags": sorted(names[c.pk]), "collaborators": []},
    )
    rows += audit.record_creates(actor=actor, instances=contacts, state=contact_snapshot)
    return {"customers": [c.pk for c in customers], "contacts": [c.pk for c in contacts], "audit": rows}


def create_batch(actor: User, batch: Sequence[RowPlan], tags: dict[str, Tag], numbers: Iterator[str]) -> dict:
    """Creates a batch of customers in one go (prepare_batch, then insert_batch)."""
    return insert_batch(actor, prepare_batch(actor, batch, numbers), tags)


def update_batch(
    actor: User, batch: Sequence[RowPlan], tags: dict[str, Tag], cells: dict[int, list[str]]
) -> tuple[int, list[RowOutcome], dict]:
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
    fields = list(dict.fromkeys([*CHANGEABLE, *Customer.DERIVED_FIELDS, "updated_at", "version"]))
    written_fields = [_concrete_field(name) for name in fields]
    stored: dict[int, dict] = {}  # the values before, to undo the step
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
        stored[customer.pk] = {
            "id": customer.pk,
            "values": {f.name: None if f.value_from_object(customer) is None else f.value_to_string(customer)
                       for f in written_fields},
            "tags": [t.pk for t in current_tags.values()],
        }
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
    Customer.objects.bulk_update([c for c, _b, _a in changed], fields, batch_size=UPDATE_BATCH)
    for customer_id, tag_id in links_removed:
        Customer.tags.through.objects.filter(customer_id=customer_id, tag_id=tag_id).delete()
    Customer.tags.through.objects.bulk_create(links_added, batch_size=WRITE_BATCH, ignore_conflicts=True)
    insert_objects(Contact, contacts)
    rows = audit.record_updates(actor=actor, changes=changed)
    rows += audit.record_creates(actor=actor, instances=contacts, state=contact_snapshot)
    touched = {c.pk for c, _b, _a in changed} | {contact.customer_id for contact in contacts}
    undo = {
        "updates": [stored[pk] for pk in sorted(touched)],
        "contacts": [contact.pk for contact in contacts],
        "audit": rows,
    }
    # Updated: customers with a changed value or a new contact.
    return len(touched), skipped, undo


# What an import may change on an existing customer.
CHANGEABLE = ("kind", "customer_type", "phone", "phone_extension", "email", "industry", "scale", "source", "level",
              "credit_rating", "city", "address", "remark", "owner", "department", "credit_code", "tax_number",
              "invoice_address", "invoice_phone", "bank_name", "bank_account")
