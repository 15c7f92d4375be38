"""Matching a file's rows against each other and against every live customer in the database, whoever owns it
(the preview hides what the user may not see): by the customer ID an exported file carries, the fuzzy name key,
phones and e-mails — customers' own and their contacts' (through the contacts' blind indexes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.models import User
from crm.core.crypto import blind_index
from crm.core.parsing import parse_ids
from crm.customers.models import Contact, Customer, name_key
from crm.imports.bulk import chunks, select_all, select_in
from crm.imports.registry import RowOutcome

if TYPE_CHECKING:
    from crm.customers.importing.rows import RowPlan

REASONS = {
    "same_id": gettext_lazy("same ID"),
    "same_name": gettext_lazy("same name"),
    "similar_name": gettext_lazy("similar name"),
    "same_phone": gettext_lazy("same phone"),
    "same_email": gettext_lazy("same e-mail"),
}
# The strongest match wins: the customer's own ID, same name, then phone, then e-mail, then a similar name.
STRENGTH = {"same_id": 0, "same_name": 1, "same_phone": 2, "same_email": 3, "similar_name": 4}


@dataclass
class Existing:
    """What the duplicate lookups found for one row: {customer id: [reasons]}."""

    matches: dict[int, list[str]] = field(default_factory=dict)

    def add(self, customer_id: int, reason: str) -> None:
        reasons = self.matches.setdefault(customer_id, [])
        if reason not in reasons:
            reasons.append(reason)


@lru_cache(maxsize=500_000)
def _blind_index(value: str) -> str:
    # The preview hashes the same mobiles and e-mails for its lookups as the run does. Emptied at the start
    # of every check (forget_indexes()), so a changed index key is never served from an earlier one.
    return blind_index(value)


def forget_indexes() -> None:
    _blind_index.cache_clear()


def _phones(plan: RowPlan) -> set[str]:
    phones = {plan.customer.get("phone") or ""}
    if plan.contact:
        phones.add(plan.contact["mobile"])
    return phones - {""}


def _emails(plan: RowPlan) -> set[str]:
    emails = {plan.customer.get("email") or ""}
    if plan.contact:
        emails.add(plan.contact["email"])
    return emails - {""}


def keys_of(plan: RowPlan) -> list[tuple[str, str]]:
    """What makes two rows of one file the same customer: the fuzzy name key, a phone or an e-mail."""
    keys = [("phone", p) for p in _phones(plan)] + [("email", e) for e in _emails(plan)]
    if key := name_key(plan.customer["name"]):
        keys.append(("name", key))
    return keys


def earlier_row(plan: RowPlan, seen: dict[tuple[str, str], int]) -> int | None:
    rows = [seen[key] for key in plan.keys if key in seen]
    return min(rows) if rows else None


def _contacts_audited_since(since: dt.datetime) -> list[int]:
    """Ids of the contacts the audit trail shows changed since ``since`` (created_at index)."""
    from crm.audit.models import AuditEvent

    ids = AuditEvent.objects.filter(
        created_at__gte=since, content_type=ContentType.objects.get_for_model(Contact)
    ).values_list("object_id", flat=True)
    return sorted(set(parse_ids(ids)))


def find_existing(plans: list[RowPlan], changed_after: dict[str, Any] | None = None) -> dict[int, Existing]:
    """Matches of the rows against every live customer, by row number.

    ``changed_after``: only what changed since those high-water marks (the run after a preview), instead of a
    lookup per value — customers created or updated since (primary key and updated_at index), and contacts
    created since, belonging to those customers (a restore, a merge) or changed since according to the audit
    trail (every contact edit goes through a service that audits it; contacts have no updated_at index)."""
    by_key: dict[tuple[str, str], list[int]] = {}
    for plan in plans:
        for key in plan.keys:
            by_key.setdefault(key, []).append(plan.number)
    names = {plan.number: plan.customer["name"] for plan in plans}
    found: dict[int, Existing] = {}
    hits: list[tuple[int, str, str, str]] = []  # (customer id, kind of key, key, existing name)
    customers = Customer._meta.db_table
    live = f"SELECT {{columns}} FROM {customers} WHERE deleted_at IS NULL"
    if changed_after is None:
        for kind, column in (("name", "name_key"), ("phone", "phone"), ("email", "email")):
            values = [value for key_kind, value in by_key if key_kind == kind]
            sql = live.format(columns=f"id, {column}, name") + f" AND {column} IN ({{}})"
            hits += [(pk, kind, value, name) for pk, value, name in select_in(Customer, sql, values)]
        by_id: dict[int, list[int]] = {}
        for plan in plans:
            if plan.id is not None:
                by_id.setdefault(plan.id, []).append(plan.number)
        sql = live.format(columns="id") + " AND id IN ({})"
        for (pk,) in select_in(Customer, sql, sorted(by_id)):
            for number in by_id[pk]:
                found.setdefault(number, Existing()).add(pk, "same_id")
    else:
        sql = live.format(columns="id, name_key, phone, email, name") + " AND (id > %s OR updated_at >= %s)"
        since = parse_datetime(changed_after["checked_at"])
        with connections[router.db_for_read(Customer)].cursor() as cursor:
            cursor.execute(
                sql, [changed_after["customers.customer"], cursor.db.ops.adapt_datetimefield_value(since)]
            )
            for pk, key, phone, email, name in cursor.fetchall():
                hits += [(pk, "name", key, name), (pk, "phone", phone, name), (pk, "email", email, name)]
    # Contacts' mobiles and e-mails are encrypted: they are matched through their blind indexes.
    contacts = Contact._meta.db_table
    indexes = {
        kind: {_blind_index(value): value for key_kind, value in by_key if key_kind == kind}
        for kind in ("phone", "email")
    }
    from_live = f"FROM {contacts} c JOIN {customers} cu ON cu.id = c.customer_id WHERE cu.deleted_at IS NULL"
    if changed_after is None:
        for kind, column in (("phone", "mobile_index"), ("email", "email_index")):
            sql = f"SELECT c.customer_id, c.{column} {from_live} AND c.{column} IN ({{}})"
            hits += [
                (pk, kind, indexes[kind][index], "") for pk, index in select_in(Contact, sql, list(indexes[kind]))
            ]
    else:
        select = f"SELECT c.customer_id, c.mobile_index, c.email_index {from_live} AND "
        rows = select_all(Contact, select + "c.id > %s", [changed_after["customers.contact"]])
        rows += select_in(Contact, select + "c.customer_id IN ({})", sorted({hit[0] for hit in hits}))
        rows += select_in(Contact, select + "c.id IN ({})", _contacts_audited_since(since))
        for pk, mobile_index, email_index in rows:
            if mobile_index in indexes["phone"]:
                hits.append((pk, "phone", indexes["phone"][mobile_index], ""))
            if email_index in indexes["email"]:
                hits.append((pk, "email", indexes["email"][email_index], ""))
    for pk, kind, value, existing_name in sorted(hits, key=lambda hit: hit[0]):
        for number in by_key.get((kind, value), ()):
            if kind == "name":
                reason = "same_name" if existing_name == names[number] else "similar_name"
            else:
                reason = f"same_{kind}"
            found.setdefault(number, Existing()).add(pk, reason)
    return found


def numbers_in_use(numbers: set[str]) -> dict[str, int]:
    """{number: customer id} for those of ``numbers`` a customer has — any customer, in the recycle bin or merged
    away too: they keep their numbers (the unique constraint counts them)."""
    sql = f"SELECT number, id FROM {Customer._meta.db_table} WHERE number IN ({{}})"
    return dict(select_in(Customer, sql, sorted(numbers)))


def describe_customers(actor: User, ids: set[int]) -> dict[int, dict]:
    """Name, link, owner and the actor's rights for each matched customer; names of customers outside the
    actor's scope are never read into the preview."""
    described: dict[int, dict] = {}
    for chunk in chunks(sorted(ids)):
        visible = {
            pk: (name, owner_id)
            for pk, name, owner_id in Customer.objects.visible_to(actor, "view")
            .filter(pk__in=chunk)
            .values_list("pk", "name", "owner_id")
        }
        editable = set(Customer.objects.visible_to(actor, "edit").filter(pk__in=chunk).values_list("pk", flat=True))
        for pk in chunk:
            described[pk] = {
                "visible": pk in visible,
                "editable": pk in editable and pk in visible,
                "name": visible[pk][0] if pk in visible else "",
                "owner_id": visible[pk][1] if pk in visible else None,
                "url": reverse("customers:detail", args=[pk]) if pk in visible else "",
            }
    return described


def apply_policy(
    number: int, cells: list[str], plan: RowPlan, found: Existing, described: dict[int, dict], policy: str
) -> RowOutcome:
    """What the duplicate policy does with a row that matches existing customers (the strongest match)."""
    target = min(found.matches, key=lambda pk: (min(STRENGTH[r] for r in found.matches[pk]), pk))
    info = described[target]
    reasons = sorted(found.matches[target], key=STRENGTH.get)
    outcome = RowOutcome(row=number, action=policy, cells=cells)
    if info["visible"]:
        outcome.duplicate_of = _("%(name)s (%(reasons)s)") % {
            "name": info["name"],
            "reasons": ", ".join(str(REASONS[r]) for r in reasons),
        }
        outcome.duplicate_url = info["url"]
    else:
        outcome.duplicate_of = _("A customer you cannot see")
    if policy == "skip":
        outcome.messages.append(_("Skipped: a duplicate of an existing customer."))
    elif policy == "update":
        if info["editable"]:
            plan.target = target
            outcome.messages.append(_("The existing customer will be updated."))
        else:
            outcome.action = "skip"
            outcome.messages.append(_("Skipped: you may not edit the existing customer."))
    else:
        outcome.messages.append(_("Created anyway."))
    return outcome
