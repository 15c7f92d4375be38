"""Duplicate customers: finding them (by indexed GROUP BY queries, never pairwise) and merging them.

A merge keeps one customer (the survivor) and moves every record that points at the others to it — contacts,
follow-ups, pool movements and whatever later modules add (opportunities, orders, tickets…), found through
``Customer._meta`` so a new module is covered without an edit here. The merged customers are soft-deleted with
``merged_into`` set: their audit history stays readable and their old address redirects to the survivor.

What a merge must do or tell beyond re-pointing foreign keys (recompute an opportunity total, move rows that
name a customer by id in a JSON field, tell a ticket's watchers) is a merge hook a module registers with
``register_merge_hook(code, hook)``: ``hook(survivor=…, merged=[…], actor=…)`` runs inside the merge's
transaction, after the rows have moved; a ``DomainError`` from it refuses the whole merge, and what it returns
(a small JSON-ready dict) is kept in the survivor's MERGE audit row under ``hooks``.

Customer numbers are not merged: the survivor keeps its own, each merged customer keeps its own on its row (so the
trail and old documents still name it), and global search for an old number finds the survivor.
"""

from __future__ import annotations

import base64
import operator
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial, reduce
from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core import crypto
from crm.core.contact_points import parse_phone
from crm.core.errors import DomainError
from crm.core.fieldperms import hidden_fields, readonly_fields, unsearchable_fields
from crm.core.timeline import TimelineEntry
from crm.customers import services as customer_services
from crm.customers.models import Contact, Customer

# --- Finding duplicates -------------------------------------------------------------------------------------

# reason -> (model grouped, column, label). Every column is indexed: a page walks that index in key order.
REASONS: dict[str, tuple[type[models.Model], str, object]] = {
    "name": (Customer, "name_key", gettext_lazy("Similar name")),
    "phone": (Customer, "phone", gettext_lazy("Same phone")),
    "email": (Customer, "email", gettext_lazy("Same e-mail")),
    "contact_mobile": (Contact, "mobile_index", gettext_lazy("A contact with the same mobile")),
    "contact_email": (Contact, "email_index", gettext_lazy("A contact with the same e-mail")),
}
# A customer field denied to the user (field-level permissions) is no reason they may group by.
_REASON_FIELD = {"phone": "phone", "email": "email"}
MEMBERS_SHOWN = 10
# A name shorter than this (once company-form words are gone: 科技 of 杭州科技有限公司…) matches too much to warn.
MIN_NAME_KEY = 2
MAX_GROUPS_PER_PAGE = 100
# The bound on one page's work (see find_duplicate_groups): SCAN_BUDGET index entries read in chunks growing from
# FIRST_CHUNK to MAX_CHUNK, none larger than the time left of SCAN_SECONDS allows at the pace of those before.
# At most CANDIDATE_BATCH shared keys per chunk.
SCAN_BUDGET = 150_000
SCAN_SECONDS = 0.08
FIRST_CHUNK = 2_000
MAX_CHUNK = 20_000
CANDIDATE_BATCH = 500
# Ids per scope check: far below SQLite's limit of bound parameters, whatever the size of the groups.
_IDS_PER_CHECK = 5_000


@dataclass
class DuplicateGroup:
    """Customers that share one key. ``size`` counts them all; ``customers`` holds the first MEMBERS_SHOWN."""

    reason: str
    key: str
    size: int
    label: str
    customers: list[Customer]

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason][2])


@dataclass
class DuplicatePage:
    groups: list[DuplicateGroup]
    next_after: str | None  # pass as ``after`` for the next page; None on the last page


def _cursor(reason: str, key: str) -> str:
    """Where the next page starts, as an opaque token: the walk stops at any key of the index, and that key may
    be another user's customer's name, phone or e-mail. Encrypted (crm.core.crypto), URL-safe."""
    return base64.urlsafe_b64encode(crypto.encrypt(f"{reason}:{key}").encode()).decode().rstrip("=")


def _key_after(reason: str, token: str) -> str:
    if not token:
        return ""
    try:
        stored = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        if not stored.startswith(crypto.PREFIX):
            raise ValueError(token)
        found, _sep, key = crypto.decrypt(stored).partition(":")
    except (ValueError, InvalidTag, crypto.FieldKeyError):
        found, key = "", ""
    if found != reason:
        raise DomainError(
            _("This page link is damaged or out of date: start again from the first page."), field="after"
        )
    return key


def reasons_for(user: User) -> list[str]:
    """The reasons ``user`` may group by: not by a customer field their role may not read."""
    hidden = hidden_fields(user, Customer)
    return [reason for reason in REASONS if _REASON_FIELD.get(reason) not in hidden]


def _customers_for(user: User) -> models.QuerySet:
    return Customer.objects.visible_to(user, "edit")


def _key_rows(reason: str) -> models.QuerySet:
    """Every row holding a key for ``reason``, whoever owns it and deleted or not: what the key's index holds."""
    model, _column, _label = REASONS[reason]
    return Customer.all_objects.all() if model is Customer else Contact.objects.all()


def _shared_keys(reason: str, after: str, chunk: int) -> tuple[list[str], str | None]:
    """The keys more than one row holds among the next ``chunk`` entries of the reason's index after ``after``,
    in key order, and the last key the chunk covered (None: it reached the end of the index).

    Two index-only range scans, neither sorting nor reading the table: the key ``chunk`` entries on, then a GROUP
    BY up to and including it (so a key's rows are never split between two chunks). Keys are compared by the
    database alone, in its own collation, as the index orders them."""
    _model, column, _label = REASONS[reason]
    rows = _key_rows(reason).filter(**{f"{column}__gt": after})
    end = list(rows.order_by(column).values_list(column, flat=True)[chunk - 1 : chunk])
    if end:
        rows = rows.filter(**{f"{column}__lte": end[0]})
    keys = list(
        rows.values(column)
        .annotate(rows=Count("*"))
        .filter(rows__gt=1)
        .order_by(column)
        .values_list(column, flat=True)[:CANDIDATE_BATCH]
    )
    if len(keys) == CANDIDATE_BATCH:  # more shared keys in this chunk than one batch: go on after the last read
        return keys, keys[-1]
    return keys, end[0] if end else None


@dataclass
class _Candidate:
    """A shared key as ``user`` sees it: the live customers in their scope holding it (id → created_at), and for
    a contact reason the contacts of those customers holding it."""

    customers: dict[int, Any] = field(default_factory=dict)
    contacts: list[int] = field(default_factory=list)


def _groups_in_scope(user: User, reason: str, keys: list[str]) -> dict[str, _Candidate]:
    """Of ``keys``, those shared by at least two live customers ``user`` may edit, with those customers.

    Two plain lookups rather than one scoped GROUP BY: the rows holding the keys through the column's index,
    then which of their customers are in scope by primary key. Joined in one statement, SQLite would rather
    walk every live customer."""
    model, column, _label = REASONS[reason]
    if model is Contact:
        rows = _key_rows(reason).filter(**{f"{column}__in": keys}).values_list(column, "customer_id", "pk")
    else:
        rows = _key_rows(reason).filter(**{f"{column}__in": keys}).values_list(column, "pk", "pk")
    triples = list(rows.order_by())
    customer_ids = sorted({customer_id for _key, customer_id, _pk in triples})
    in_scope: dict[int, Any] = {}
    for start in range(0, len(customer_ids), _IDS_PER_CHECK):
        batch = customer_ids[start : start + _IDS_PER_CHECK]
        in_scope.update(_customers_for(user).filter(pk__in=batch).order_by().values_list("pk", "created_at"))
    candidates: dict[str, _Candidate] = {}
    for key, customer_id, pk in triples:
        if customer_id in in_scope:
            candidate = candidates.setdefault(key, _Candidate())
            candidate.customers[customer_id] = in_scope[customer_id]
            if model is Contact:
                candidate.contacts.append(pk)
    # A key only one of the user's customers holds is no group for them, however many others hold it.
    return {key: candidate for key, candidate in candidates.items() if len(candidate.customers) > 1}


def find_duplicate_groups(user: User, reason: str = "name", after: str = "", limit: int = 20) -> DuplicatePage:
    """One page of duplicate groups for ``reason``, in key order after ``after`` (keyset paging; ``after`` is the
    previous page's ``next_after``, a token that does not show the key, and a damaged one is a DomainError).

    Only live customers ``user`` may edit take part, so a group never names a record they cannot see, and a key
    only one of them holds is no group. The page walks the reason's index from ``after`` in growing chunks and
    finds the keys several rows share in each (_shared_keys); only those candidates are checked against the
    user's scope, by primary key. It stops at ``limit`` groups, at the end of the index, or when its budget —
    SCAN_BUDGET index entries, or SCAN_SECONDS at the pace of the chunks read so far — is spent: then the page is
    short (or empty) and ``next_after`` goes on from where the walk stopped. So at a million customers a page
    costs a bounded walk of one index whatever the user's scope and however few duplicates there are, never a
    GROUP BY of the whole table.
    """
    if reason not in REASONS:
        raise DomainError(
            _("Unknown duplicate reason. Choose one of: %(reasons)s.") % {"reasons": ", ".join(REASONS)}, field="reason"
        )
    if reason not in reasons_for(user):
        raise DomainError(_("Your role may not see the field this reason compares."), field="reason")
    limit = max(1, min(limit, MAX_GROUPS_PER_PAGE))
    found: list[tuple[str, _Candidate]] = []
    cursor: str | None = _key_after(reason, after)
    started, scanned, chunk = time.monotonic(), 0, min(FIRST_CHUNK, SCAN_BUDGET)
    while cursor is not None:
        keys, end = _shared_keys(reason, cursor, chunk)
        in_scope = _groups_in_scope(user, reason, keys) if keys else {}
        for key in keys:
            if key in in_scope:
                found.append((key, in_scope[key]))
                if len(found) == limit:
                    end = key  # the next page starts after the last group shown
                    break
        cursor, scanned = end, scanned + chunk
        # The next chunk is as large as the time left allows at the pace so far (a loaded server reads less).
        elapsed = time.monotonic() - started
        fits = int((SCAN_SECONDS - elapsed) * scanned / elapsed) if elapsed > 0 else MAX_CHUNK
        if len(found) == limit or scanned >= SCAN_BUDGET or fits < FIRST_CHUNK:
            break
        chunk = min(chunk * 4, MAX_CHUNK, SCAN_BUDGET - scanned, fits)
    next_after = _cursor(reason, cursor) if cursor is not None else None
    return DuplicatePage(groups=_groups(user, reason, found), next_after=next_after)


def _member_order(candidate: _Candidate, pk: int) -> tuple[Any, int]:
    return candidate.customers[pk], pk


def _groups(user: User, reason: str, found: list[tuple[str, _Candidate]]) -> list[DuplicateGroup]:
    """The page's groups with their first members (oldest first) and labels: two queries, however many groups."""
    shown = {
        key: sorted(candidate.customers, key=partial(_member_order, candidate))[:MEMBERS_SHOWN]
        for key, candidate in found
    }
    # Checked against the scope again (by primary key): what is shown is read in the user's scope.
    ids = {pk for members in shown.values() for pk in members}
    customers = _customers_for(user).filter(pk__in=ids).select_related("owner").order_by()
    by_id = {c.pk: c for c in customers}
    labels = _contact_labels(user, reason, found) if REASONS[reason][0] is Contact else {}
    groups = []
    for key, candidate in found:
        members = [by_id[pk] for pk in shown[key] if pk in by_id]
        if reason == "name":
            label = members[0].name if members else key
        elif REASONS[reason][0] is Contact:
            label = labels.get(key, "")
        else:
            label = key
        groups.append(
            DuplicateGroup(reason=reason, key=key, size=len(candidate.customers), label=label, customers=members)
        )
    return groups


def _contact_labels(user: User, reason: str, found: list[tuple[str, _Candidate]]) -> dict[str, str]:
    """What a contact group has in common, safe to show: the value masked, the blind index never. The contacts
    holding one key hold the same value, so any one the user may see will do."""
    column, field_name = ("mobile_index", "mobile") if reason == "contact_mobile" else ("email_index", "email")
    ids = [pk for _key, candidate in found for pk in candidate.contacts[:MEMBERS_SHOWN]]
    labels: dict[str, str] = {}
    for contact in Contact.objects.visible_to(user, "edit").filter(pk__in=ids).order_by("pk"):
        labels.setdefault(getattr(contact, column), contact.masked(field_name))
    return labels


@dataclass
class DuplicateMatch:
    customer: Customer
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[reason][2]) for reason in self.reasons]


def find_duplicates_of(user: User, customer: Customer, limit: int = 20) -> list[DuplicateMatch]:
    """Customers in ``user``'s scope that look like ``customer``, each with why; one indexed query per reason."""
    allowed = reasons_for(user)
    others = _customers_for(user).exclude(pk=customer.pk).select_related("owner").order_by("created_at", "id")
    lookups: dict[str, models.QuerySet] = {}
    for reason, value in (("name", customer.name_key), ("phone", customer.phone), ("email", customer.email)):
        if value and reason in allowed:
            lookups[reason] = others.filter(**{REASONS[reason][1]: value})
    contact_keys = list(customer.contacts.values_list("mobile_index", "email_index"))
    for reason, position in (("contact_mobile", 0), ("contact_email", 1)):
        keys = {row[position] for row in contact_keys if row[position]}
        if keys:
            column = REASONS[reason][1]
            sharing = Contact.objects.filter(**{f"{column}__in": keys}).exclude(customer=customer)
            lookups[reason] = others.filter(pk__in=sharing.values("customer_id"))
    return _matches(lookups, limit)


def _matches(lookups: dict[str, models.QuerySet], limit: int) -> list[DuplicateMatch]:
    matches: dict[int, DuplicateMatch] = {}
    for reason, queryset in lookups.items():
        for other in queryset[:limit]:
            matches.setdefault(other.pk, DuplicateMatch(other)).reasons.append(reason)
    return list(matches.values())[:limit]


@dataclass
class PossibleDuplicates:
    """What a customer being typed in looks like: the matches ``user`` may see, and how many more match outside
    their scope (a number only: who those are is not theirs to know)."""

    matches: list[DuplicateMatch]
    outside_scope: int


def find_possible_duplicates(user: User, *, name: str = "", phone: str = "", email: str = "",
                             limit: int = 10) -> PossibleDuplicates:
    """Customers that look like one not saved yet (the create form, as the user types): by the same keys as
    ``find_duplicates_of`` (the fuzzy name key, the normalised phone and e-mail), one indexed query per reason.

    A phone or e-mail is matched only for a user who may search by it (``unsearchable_fields``: a role that may
    not read the phone cannot learn which customer has a number by typing it). What is returned names customers
    and reasons, never a matched value."""
    candidate = Customer(name=name.strip()[:200], phone=phone.strip()[:40], email=email.strip()[:254])
    candidate.fill_derived()
    unsearchable = unsearchable_fields(user, Customer)
    keys = {"name": candidate.name_key if len(candidate.name_key) >= MIN_NAME_KEY else "",
            "phone": candidate.phone if phone.strip() and not parse_phone(phone).fault and "phone" not in unsearchable
            else "",
            "email": candidate.email if "@" in candidate.email and "email" not in unsearchable else ""}
    keys = {reason: value for reason, value in keys.items() if value}
    if not keys:
        return PossibleDuplicates([], 0)
    visible = Customer.objects.visible_to(user)
    # Oldest first by id, not created_at: the key's index then serves the order too (no sort of a common name's rows).
    shown = visible.select_related("owner").order_by("id")
    lookups = {reason: shown.filter(**{REASONS[reason][1]: value}) for reason, value in keys.items()}
    any_key = reduce(operator.or_, (models.Q(**{REASONS[reason][1]: value}) for reason, value in keys.items()))
    outside = Customer.objects.filter(any_key).exclude(pk__in=visible.filter(any_key).values("pk")).count()
    return PossibleDuplicates(_matches(lookups, limit), outside)


# --- Merging ------------------------------------------------------------------------------------------------

# Kept from the survivor unless the user picks another customer's value; department follows the owner, and the
# order dates are facts (earliest first order, latest last order) rather than choices.
_NOT_CHOSEN = {"department", "lifecycle_locked", "first_order_at", "last_order_at"}


def mergeable_fields(user: User | None = None) -> list[str]:
    """Customer fields whose value the user picks from one of the merged customers (those they may edit)."""
    names = [
        f.name for f in Customer._meta.concrete_fields if f.editable and not f.primary_key and f.name not in _NOT_CHOSEN
    ]
    if user is not None:
        denied = hidden_fields(user, Customer) | readonly_fields(user, Customer)
        names = [name for name in names if name not in denied]
    return names


# --- Merge hooks ---------------------------------------------------------------------------------------------

MergeHook = Callable[..., dict[str, Any] | None]
_merge_hooks: dict[str, MergeHook] = {}


def register_merge_hook(code: str, hook: MergeHook) -> None:
    """Runs ``hook(survivor=…, merged=[…], actor=…)`` in every merge (see the module docstring); a code
    registered again replaces the earlier hook."""
    _merge_hooks[code] = hook


def unregister_merge_hook(code: str) -> None:
    _merge_hooks.pop(code, None)


def _run_merge_hooks(actor: User, survivor: Customer, merged: list[Customer]) -> dict[str, Any]:
    told: dict[str, Any] = {}
    for code in sorted(_merge_hooks):
        if result := _merge_hooks[code](survivor=survivor, merged=merged, actor=actor):
            told[code] = result
    return told


@dataclass
class MergeResult:
    survivor: Customer
    merged: list[Customer]
    # "app_label.model" (or "customers.customer.tags" for many-to-many) -> records moved to the survivor
    moved: dict[str, int]


def _relations() -> Iterable[models.ForeignObjectRel]:
    """Every one-to-many / one-to-one relation pointing at Customer, hidden ones included (merged_into, and any
    module's ``related_name="+"``), except the automatic tables of many-to-many fields, moved on their own."""
    for relation in Customer._meta.get_fields(include_hidden=True):
        if not isinstance(relation, models.ForeignObjectRel):
            continue
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        if relation.related_model._meta.auto_created:  # tags/collaborators tables: see _move_many_to_many
            continue
        yield relation


def _many_to_many() -> Iterable[tuple[type[models.Model], str, str, str]]:
    """(through model, column to Customer, column to the other side, label) for each many-to-many touching
    Customer through an automatic table: Customer's own (tags, collaborators) and other models' to it."""
    for m2m in Customer._meta.many_to_many:
        through = m2m.remote_field.through
        if through is not None and through._meta.auto_created:  # None only before the models are ready
            yield through, m2m.m2m_column_name(), m2m.m2m_reverse_name(), f"customers.customer.{m2m.name}"
    for relation in Customer._meta.get_fields(include_hidden=True):
        if isinstance(relation, models.ManyToManyRel) and relation.auto_created and not relation.concrete:
            reverse = relation.field
            through = reverse.remote_field.through
            if through is not None and through._meta.auto_created:
                label = relation.related_model._meta.label_lower
                yield through, reverse.m2m_reverse_name(), reverse.m2m_column_name(), label


def _move_foreign_keys(relation: models.ForeignObjectRel, survivor: Customer, merged_ids: list[int]) -> int:
    """Re-points the rows of one relation. One UPDATE; if a unique constraint refuses it (a one-to-one the
    survivor already has, a module's unique (customer, …) pair), row by row, leaving the clashing rows where
    they are — still reachable through the merged customer's history."""
    model = relation.related_model
    column = relation.field.name
    rows = model._base_manager.filter(**{f"{column}__in": merged_ids})
    try:
        with transaction.atomic():
            return rows.update(**{column: survivor})
    except IntegrityError:
        moved = 0
        for pk in rows.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    moved += model._base_manager.filter(pk=pk).update(**{column: survivor})
            except IntegrityError:
                continue
        return moved


def _move_many_to_many(
    through: type[models.Model], own: str, other: str, survivor: Customer, merged_ids: list[int]
) -> int:
    """Links the survivor to everything the merged customers were linked to, without duplicate rows."""
    links = through._default_manager
    already = set(links.filter(**{own: survivor.pk}).values_list(other, flat=True))
    incoming = set(links.filter(**{f"{own}__in": merged_ids}).values_list(other, flat=True)) - already
    links.bulk_create([through(**{own: survivor.pk, other: value}) for value in incoming])
    links.filter(**{f"{own}__in": merged_ids}).delete()
    return len(incoming)


def _check_merge(actor: User, survivor: Customer, others: list[Customer]) -> None:
    if not others:
        raise DomainError(_("Choose at least one customer to merge into the survivor."), field="merged")
    if survivor.pk in {other.pk for other in others}:
        raise DomainError(_("The surviving customer cannot also be merged away."), field="merged")
    if not actor.has_module_perm("customers", "edit") or not actor.has_module_perm("customers", "delete"):
        raise DomainError(_("Merging needs the rights to edit customers and to delete them."), code="permission_denied")
    # Re-read inside the transaction, locked: a customer merged or deleted meanwhile must not be merged twice.
    ids = [survivor.pk, *(other.pk for other in others)]
    alive = set(Customer.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    if alive != set(ids):
        raise DomainError(_("One of these customers was deleted or merged meanwhile."), field="merged")
    if not Customer.objects.visible_to(actor, "edit").filter(pk=survivor.pk).exists():
        raise DomainError(_("You may not edit the surviving customer."), field="survivor")
    deletable = Customer.objects.visible_to(actor, "delete").filter(pk__in=ids[1:]).count()
    if deletable != len(others):
        raise DomainError(_("You may not delete every customer to be merged."), field="merged")


def _chosen_values(actor: User, survivor: Customer, others: list[Customer], field_choices: dict[str, int]) -> dict:
    by_id = {c.pk: c for c in (survivor, *others)}
    allowed = mergeable_fields(actor)
    data: dict = {}
    for name, customer_id in field_choices.items():
        if name not in allowed:
            raise DomainError(
                _("“%(field)s” is not a field you can choose when merging.") % {"field": name}, field=name
            )
        source = by_id.get(customer_id)
        if source is None:
            raise DomainError(_("Pick the value of one of the customers being merged."), field=name)
        if source.pk == survivor.pk:
            continue
        data[name] = getattr(source, name)  # a stage picked here counts as set by hand (update_customer)
    return data


def _refresh_follow_up_dates(survivor: Customer, customers: list[Customer]) -> dict:
    """Last/next follow-up from the survivor's newest follow-up (what log_activity would have set); order dates
    as the earliest first and latest last order of all."""
    latest = survivor.activities.order_by("-occurred_at", "-id").values("occurred_at", "next_follow_up_at").first()
    if latest:
        values = {"last_follow_up_at": latest["occurred_at"], "next_follow_up_at": latest["next_follow_up_at"]}
    else:
        newest = max(customers, key=lambda c: (c.last_follow_up_at is not None, c.last_follow_up_at or 0))
        values = {"last_follow_up_at": newest.last_follow_up_at, "next_follow_up_at": newest.next_follow_up_at}
    orders = Customer.all_objects.filter(pk__in=[c.pk for c in customers]).aggregate(
        first=Min("first_order_at"), last=Max("last_order_at")
    )
    values["first_order_at"], values["last_order_at"] = orders["first"], orders["last"]
    values["idle_since"] = Customer.idle_since_of(values["last_follow_up_at"], survivor.claimed_at,
                                                  survivor.created_at)
    return values


@transaction.atomic
def merge_customers(
    *, actor: User, survivor: Customer, others: list[Customer], field_choices: dict[str, int] | None = None
) -> MergeResult:
    """Merges ``others`` into ``survivor``.

    ``field_choices`` maps a field name (see mergeable_fields) to the id of the customer whose value to keep;
    fields not named keep the survivor's value. Needs customers.edit on the survivor and customers.delete on
    the others, all within the actor's data scope. Every related record moves to the survivor; whoever owned
    one of the merged customers (the survivor's previous owner included, when another owner is picked) becomes
    a collaborator, so they keep reaching their contacts and follow-ups; the others are soft-deleted with
    ``merged_into`` set; both sides get a MERGE audit row saying what moved.
    """
    others = list({other.pk: other for other in others}.values())
    _check_merge(actor, survivor, others)
    survivor = Customer.objects.get(pk=survivor.pk)
    others = list(Customer.objects.filter(pk__in=[o.pk for o in others]).order_by("created_at", "id"))
    merged_ids = [other.pk for other in others]
    data = _chosen_values(actor, survivor, others, field_choices or {})
    before = audit.snapshot(survivor)
    owners = {c.owner_id for c in (survivor, *others) if c.owner_id}

    per_customer: dict[int, dict[str, int]] = {}
    moved: dict[str, int] = {}
    primary_id = survivor.contacts.filter(is_primary=True).values_list("pk", flat=True).first()
    for relation in _relations():
        label = relation.related_model._meta.label_lower
        column = relation.field.name
        counts = dict(
            relation.related_model._base_manager.filter(**{f"{column}__in": merged_ids})
            .values_list(column)
            .annotate(n=Count("pk"))
            .order_by()
        )
        if not counts:
            continue
        if count := _move_foreign_keys(relation, survivor, merged_ids):
            moved[label] = moved.get(label, 0) + count
        for customer_id, n in counts.items():
            per_customer.setdefault(customer_id, {})[label] = n
    for through, own, other_side, label in _many_to_many():
        counts = dict(
            through._default_manager.filter(**{f"{own}__in": merged_ids})
            .values_list(own)
            .annotate(n=Count("pk"))
            .order_by()
        )
        if count := _move_many_to_many(through, own, other_side, survivor, merged_ids):
            moved[label] = moved.get(label, 0) + count
        for customer_id, n in counts.items():
            per_customer.setdefault(customer_id, {})[label] = n
    # One primary contact per customer: the survivor's own, else the earliest merged one's.
    primaries = Contact.objects.filter(customer=survivor, is_primary=True).order_by("created_at", "id")
    keep = primary_id or primaries.values_list("pk", flat=True).first()
    primaries.exclude(pk=keep).update(is_primary=False)  # type: ignore[misc]  # pk=None is valid (IS NULL)

    if data:
        survivor = customer_services.update_customer(actor=actor, customer=survivor, data=data)
    dates = _refresh_follow_up_dates(survivor, [survivor, *others])
    Customer.objects.filter(pk=survivor.pk).update(**dates)
    for name, value in dates.items():
        setattr(survivor, name, value)
    # Whoever owned one of the merged records keeps reaching what was theirs; the owner is no collaborator.
    survivor.collaborators.add(*User.objects.filter(pk__in=owners - {survivor.owner_id}, is_active=True))
    if survivor.owner_id:
        survivor.collaborators.remove(survivor.owner_id)

    hooks = _run_merge_hooks(actor, survivor, others)

    after = audit.snapshot(survivor)
    now = timezone.now()
    Customer.all_objects.filter(pk__in=merged_ids).update(
        deleted_at=now, deleted_by=actor, merged_into=survivor, updated_at=now
    )
    audit.record_event(
        actor=actor,
        action=AuditEvent.Action.MERGE,
        instance=survivor,
        changes={
            "merged": [{"id": o.pk, "name": o.name} for o in others],
            "moved": moved,
            "fields": {
                name: [before.get(name), after.get(name)] for name in data if before.get(name) != after.get(name)
            },
            **({"hooks": hooks} if hooks else {}),
        },
        message=_("Merged %(names)s into this customer.") % {"names": ", ".join(o.name for o in others)},
    )
    for other in others:
        other.deleted_at, other.merged_into = now, survivor
        audit.record_event(
            actor=actor,
            action=AuditEvent.Action.MERGE,
            instance=other,
            changes={
                "merged_into": {"id": survivor.pk, "name": survivor.name},
                "moved": per_customer.get(other.pk, {}),
            },
            message=_("Merged into %(name)s.") % {"name": survivor.name},
        )
    return MergeResult(survivor=survivor, merged=others, moved=moved)


def survivor_of(customer_id: int, user: User) -> Customer | None:
    """The customer a merged-away customer now lives on (following merges of merges), if ``user`` may see it."""
    seen: set[int] = set()
    current = Customer.all_objects.filter(pk=customer_id).values("pk", "merged_into_id").first()
    while current and current["merged_into_id"] and current["pk"] not in seen:
        seen.add(current["pk"])
        current = Customer.all_objects.filter(pk=current["merged_into_id"]).values("pk", "merged_into_id").first()
    if not current or current["pk"] == customer_id:
        return None
    return Customer.objects.visible_to(user).filter(pk=current["pk"]).first()


def moved_label(key: str) -> str:
    """The readable name of a ``moved`` key of a MERGE audit row (a model label or customer.<m2m field>)."""
    if key.startswith("customers.customer."):
        try:
            m2m = Customer._meta.get_field(key.rsplit(".", 1)[1])
            return str(m2m.verbose_name) if isinstance(m2m, models.Field) else key
        except Exception:  # noqa: BLE001 - a field since removed still shows by name
            return key
    try:
        return str(apps.get_model(key)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return key


def merge_timeline(customer: Customer, user: User, before, limit: int) -> list[TimelineEntry]:
    """Timeline provider: the merges into (or of) this customer, with what moved."""
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(customer.pk),
        action=AuditEvent.Action.MERGE,
    )
    if before is not None:
        events = events.filter(created_at__lt=before)
    entries = []
    for event in events[:limit]:
        changes = event.changes or {}
        if "merged_into" in changes:  # this customer was merged away
            title = _("Merged into %(name)s.") % {"name": changes["merged_into"].get("name", "")}
        else:
            names = ", ".join(str(item.get("name", "")) for item in changes.get("merged") or [])
            title = _("Merged %(names)s into this customer.") % {"names": names}
        body = "\n".join(f"{moved_label(key)}: {count}" for key, count in (changes.get("moved") or {}).items())
        entries.append(
            TimelineEntry(
                at=event.created_at, kind="merge", title=title, body=body, actor=event.actor_name, icon="intersect"
            )
        )
    return entries
