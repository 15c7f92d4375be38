"""Importing customers (with one optional contact per row) from CSV/XLSX: validation, duplicate detection
against the file itself and against every customer in the database, and a bulk write.

Built for 100,000-row files against a million customers: rows are validated in Python (dictionaries, tags and
owners are read once, not per row), duplicates are looked up in chunks on indexed columns (name_key, phone,
email, and the contacts' blind indexes), and the write is bulk_create in batches with the derived columns
(search text, duplicate key, blind indexes) computed here exactly as Customer.save() and Contact.save() do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, router
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.models import User
from crm.audit import services as audit
from crm.core.contact_points import normalise_email, normalise_phone
from crm.core.crypto import blind_index
from crm.core.fieldperms import hidden_fields, readonly_fields
from crm.core.fulltext import search_index_filled_in_bulk
from crm.core.pinyin import search_text
from crm.customers.models import Contact, Customer, Tag, name_key
from crm.imports.registry import (
    Analysis,
    Importer,
    ImportField,
    Progress,
    RowOutcome,
    SourceRow,
    WriteResult,
    register_importer,
)
from crm.system.dictionaries import KINDS

# Values per IN (...): fewer, larger queries are cheaper (a third less time than 900 at a time), within the
# database's parameter limit (SQLite builds before 3.32 allow only 999).
LOOKUP_CHUNK = 5000
WRITE_BATCH = 5000
# The preview's plan is what the run writes (see CustomerImporter.recheck()) for this long; after that the run
# checks every row again. Version 2: RowPlan.as_json(), high-water marks of customers and contacts.
PLAN_LIFETIME = dt.timedelta(hours=24)
CHANGE_MARGIN = dt.timedelta(minutes=10)
SAVED_VERSION = 2
TAG_SEPARATORS = re.compile(r"[,，;；、|/]+")

KIND_WORDS = {
    Customer.Kind.COMPANY: ("company", "企业", "公司", "企业客户", "单位", "组织", "b2b"),
    Customer.Kind.INDIVIDUAL: ("individual", "person", "personal", "个人", "个人客户", "自然人", "b2c"),
}
DICTIONARY_FIELDS = {"customer_type": "customer_type", "industry": "industry", "scale": "company_scale",
                     "source": "source", "level": "customer_level", "credit_rating": "credit_rating"}
CUSTOMER_FIELDS = ("name", "kind", "customer_type", "phone", "email", "industry", "scale", "source", "level",
                   "credit_rating", "city", "address", "remark")
CONTACT_FIELDS = ("contact_name", "contact_mobile", "contact_email", "contact_title")


def _squash(text: str) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


@dataclass
class RowPlan:
    """A row the write will carry out: create a customer, or update ``target`` (a customer id)."""

    number: int
    customer: dict[str, Any]
    tags: list[str]
    contact: dict[str, str] | None
    owner: User | None
    target: int | None = None
    # What makes it a duplicate: ("name", name key), ("phone", …), ("email", …).
    keys: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> list:
        return [self.number, self.customer, self.tags, self.contact, self.owner.pk if self.owner else None, self.target]

    @classmethod
    def from_json(cls, data: list, users: dict[str, User]) -> RowPlan:
        number, customer, tags, contact, owner_id, target = data
        owners = {user.pk: user for user in users.values()}
        plan = cls(number, customer, tags, contact, owners[owner_id] if owner_id else None, target)
        plan.keys = _keys(plan)
        return plan


@dataclass
class CustomerPlan:
    creates: list[RowPlan] = field(default_factory=list)
    updates: list[RowPlan] = field(default_factory=list)
    cells: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class _Existing:
    """What the duplicate lookups found for one row: {customer id: [reasons]} in order of strength."""

    matches: dict[int, list[str]] = field(default_factory=dict)

    def add(self, customer_id: int, reason: str) -> None:
        reasons = self.matches.setdefault(customer_id, [])
        if reason not in reasons:
            reasons.append(reason)


class CustomerImporter(Importer):
    entity = "customers"
    label = gettext_lazy("Customers")
    module = "customers"
    list_url_name = "customers:list"
    fields = (
        ImportField(
            "name",
            gettext_lazy("Customer name"),
            required=True,
            aliases=(
                "客户名称",
                "客户名",
                "客户",
                "公司名称",
                "公司",
                "企业名称",
                "单位名称",
                "名称",
                "name",
                "customer",
                "customer name",
                "company",
                "company name",
            ),
        ),
        ImportField(
            "kind",
            gettext_lazy("Customer kind"),
            aliases=("客户类型", "类型", "客户性质", "kind", "type"),
            help_text=gettext_lazy("Company or individual (企业 / 个人)."),
        ),
        ImportField(
            "phone",
            gettext_lazy("Phone"),
            aliases=("电话", "公司电话", "联系电话", "座机", "固定电话", "phone", "telephone", "tel"),
        ),
        ImportField(
            "email",
            gettext_lazy("E-mail"),
            aliases=("邮箱", "电子邮件", "电子邮箱", "公司邮箱", "email", "e-mail", "mail"),
        ),
        ImportField(
            "industry",
            gettext_lazy("Industry"),
            aliases=("行业", "所属行业", "industry"),
            help_text=gettext_lazy("The code or the name of an industry in the dictionary."),
        ),
        ImportField("customer_type", gettext_lazy("Customer type"), aliases=("客户分类", "customer type")),
        ImportField("scale", gettext_lazy("Company size"), aliases=("规模", "公司规模", "人员规模", "size", "scale")),
        ImportField("credit_rating", gettext_lazy("Credit rating"),
                    aliases=("信用等级", "信用评级", "credit rating", "credit")),
        ImportField("city", gettext_lazy("City"), aliases=("城市", "所在城市", "所在地", "city")),
        ImportField("source", gettext_lazy("Source"), aliases=("来源", "客户来源", "source")),
        ImportField("level", gettext_lazy("Level"), aliases=("级别", "客户级别", "等级", "客户等级", "level")),
        ImportField("address", gettext_lazy("Address"), aliases=("地址", "公司地址", "详细地址", "address")),
        ImportField("remark", gettext_lazy("Remark"), aliases=("备注", "说明", "remark", "remarks", "note", "notes")),
        ImportField(
            "tags",
            gettext_lazy("Tags"),
            aliases=("标签", "tags", "tag"),
            help_text=gettext_lazy("Several tags separated by commas; new ones are created."),
        ),
        ImportField(
            "owner",
            gettext_lazy("Owner"),
            aliases=("负责人", "所有人", "归属人", "归属销售", "销售", "owner"),
            help_text=gettext_lazy("User name or employee number; empty means you."),
        ),
        ImportField(
            "contact_name",
            gettext_lazy("Contact name"),
            aliases=("联系人", "联系人姓名", "姓名", "contact", "contact name"),
        ),
        ImportField(
            "contact_mobile",
            gettext_lazy("Contact mobile"),
            aliases=("手机", "手机号", "手机号码", "联系人手机", "移动电话", "mobile", "cell", "cellphone"),
        ),
        ImportField(
            "contact_email",
            gettext_lazy("Contact e-mail"),
            aliases=("联系人邮箱", "联系人电子邮件", "contact email", "contact e-mail"),
        ),
        ImportField(
            "contact_title",
            gettext_lazy("Contact job title"),
            aliases=("职务", "职位", "联系人职务", "title", "job title", "position"),
        ),
    )

    # --- Who may set what ---------------------------------------------------------------------------------

    def denied_fields(self, actor: User) -> set[str]:
        """Import fields the actor's roles may not write (field-level permissions apply to imports too)."""
        return (hidden_fields(actor, Customer) | readonly_fields(actor, Customer)) & set(CUSTOMER_FIELDS)

    # --- Dry run ------------------------------------------------------------------------------------------

    def analyse(self, *, actor: User, rows: list[SourceRow], policy: str, progress: Progress) -> Analysis:
        _blind_index.cache_clear()
        owner_names = {row.values.get("owner", "").strip().lower() for row in rows} - {""}
        lookups = _Lookups.load(actor, owner_names)
        outcomes: list[RowOutcome] = []
        plan = CustomerPlan()
        valid: list[tuple[SourceRow, RowPlan]] = []
        for row in rows:
            errors, row_plan = self._validate(row, actor, lookups)
            if errors:
                outcomes.append(RowOutcome(row=row.number, action="error", messages=errors, cells=row.cells))
            else:
                valid.append((row, row_plan))
        progress(len(rows) // 3)

        # The high-water marks come first: whatever is written while the lookups run is above them, and the run
        # looks at exactly that (see recheck()).
        marks = _high_water_marks()
        existing = _find_existing([row_plan for _row, row_plan in valid])
        progress(2 * len(rows) // 3)
        described = _describe_customers(actor, {pk for found in existing.values() for pk in found.matches})
        seen: dict[tuple[str, str], int] = {}
        for row, row_plan in valid:
            outcome = None
            found = existing.get(row.number)
            if found and found.matches:
                outcome = self._apply_policy(row.number, row.cells, row_plan, found, described, policy)
            else:
                earlier = self._earlier_row(row_plan, seen)
                if earlier:
                    action = "create" if policy == "create" else "skip"
                    outcome = RowOutcome(
                        row=row.number,
                        action=action,
                        cells=row.cells,
                        duplicate_of=_("Row %(row)s of this file") % {"row": earlier},
                        messages=[
                            _("Created anyway.")
                            if action == "create"
                            else _("Skipped: the file has this customer already.")
                        ],
                    )
            for key in row_plan.keys:
                seen.setdefault(key, row.number)
            if outcome is not None:
                outcomes.append(outcome)
            action = outcome.action if outcome else "create"
            if action == "create":
                plan.creates.append(row_plan)
            elif action == "update":
                plan.updates.append(row_plan)
            plan.cells[row.number] = row.cells
        outcomes.sort(key=lambda o: o.row)
        progress(len(rows))
        saved = {
            "version": SAVED_VERSION,
            "policy": policy,
            "total": len(rows),
            "marks": marks,
            "owners": sorted(owner_names),
            "fingerprint": lookups.fingerprint(),
            "creates": [p.as_json() for p in plan.creates],
            "updates": [p.as_json() for p in plan.updates],
        }
        return Analysis(
            total=len(rows),
            outcomes=outcomes,
            to_create=len(plan.creates),
            to_update=len(plan.updates),
            plan=plan,
            saved=saved,
        )

    def recheck(
        self, *, actor: User, saved: dict, policy: str, issues: list[dict], progress: Progress
    ) -> Analysis | None:
        """The run after a preview: the preview's plan, with the duplicate check repeated only against what
        changed since — customers created or updated after the preview's high-water marks, and every contact's
        mobile and e-mail (contacts can change without their customer). A planned new customer that has become
        a duplicate meanwhile is handled by the policy like any other. None (check everything again) when the
        plan is from another version or policy, too old, or the dictionaries, owners or rights the rows were
        validated against have changed."""
        _blind_index.cache_clear()
        marks = saved.get("marks") or {}
        if saved.get("version") != SAVED_VERSION or saved.get("policy") != policy:
            return None
        checked_at = parse_datetime(marks.get("checked_at", ""))
        if checked_at is None or timezone.now() - checked_at > PLAN_LIFETIME:
            return None
        lookups = _Lookups.load(actor, set(saved["owners"]))
        if lookups.fingerprint() != saved["fingerprint"]:
            return None
        plan = CustomerPlan(
            creates=[RowPlan.from_json(data, lookups.users) for data in saved["creates"]],
            updates=[RowPlan.from_json(data, lookups.users) for data in saved["updates"]],
        )
        outcomes = {issue["row"]: RowOutcome(**issue) for issue in issues}
        plan.cells = {number: outcome.cells for number, outcome in outcomes.items()}
        progress(saved["total"] // 3)
        # Rows the preview had no objection to; duplicates created anyway keep what the preview said.
        fresh = [p for p in plan.creates if p.number not in outcomes]
        existing = _find_existing(fresh, changed_after=marks)
        progress(2 * saved["total"] // 3)
        if existing:
            described = _describe_customers(actor, {pk for found in existing.values() for pk in found.matches})
            creates = []
            for row_plan in plan.creates:
                found = existing.get(row_plan.number)
                if not found:
                    creates.append(row_plan)
                    continue
                outcome = self._apply_policy(row_plan.number, [], row_plan, found, described, policy)
                outcome.messages.insert(0, _("Found at import time: the duplicate was added after the preview."))
                outcomes[row_plan.number] = outcome
                if outcome.action == "create":
                    creates.append(row_plan)
                elif outcome.action == "update":
                    plan.updates.append(row_plan)
            plan.creates = creates
        progress(saved["total"])
        return Analysis(
            total=saved["total"],
            outcomes=sorted(outcomes.values(), key=lambda o: o.row),
            to_create=len(plan.creates),
            to_update=len(plan.updates),
            plan=plan,
        )

    def _validate(self, row: SourceRow, actor: User, lookups: _Lookups) -> tuple[list[str], RowPlan | None]:
        v = row.values
        errors: list[str] = []

        def error(key: str, message: str) -> None:
            errors.append(f"{lookups.labels[key]}: {message}")

        customer: dict[str, Any] = {}
        name = v.get("name", "").strip()
        if not name:
            error("name", _("This field is required."))
        elif len(name) > 200:
            error("name", _("At most %(max)d characters.") % {"max": 200})
        customer["name"] = name
        if raw := v.get("kind", ""):
            kind = lookups.kinds.get(_squash(raw))
            if kind is None:
                error(
                    "kind",
                    _("“%(value)s” is not a customer kind; use company or individual (企业 / 个人).") % {"value": raw},
                )
            customer["kind"] = kind
        if raw := v.get("phone", ""):
            phone = normalise_phone(raw)
            if not phone or len(phone) > 40:
                error(
                    "phone", _("“%(value)s” is not a phone number, e.g. 13800138000 or 0571-88886666.") % {"value": raw}
                )
            customer["phone"] = phone
        if raw := v.get("email", ""):
            email = _clean_email(raw)
            if not email:
                error("email", _("“%(value)s” is not a valid e-mail address.") % {"value": raw})
            customer["email"] = email
        for key, kind in DICTIONARY_FIELDS.items():
            if raw := v.get(key, ""):
                code = lookups.dictionaries[kind].get(raw.strip()) or lookups.dictionaries[kind].get(_squash(raw))
                if code is None:
                    error(
                        key,
                        _("“%(value)s” is not in the %(kind)s list.") % {"value": raw, "kind": KINDS.get(kind, kind)},
                    )
                customer[key] = code
        if raw := v.get("city", ""):
            if len(raw) > 50:
                error("city", _("At most %(max)d characters.") % {"max": 50})
            customer["city"] = raw
        if raw := v.get("address", ""):
            if len(raw) > 300:
                error("address", _("At most %(max)d characters.") % {"max": 300})
            customer["address"] = raw
        if raw := v.get("remark", ""):
            customer["remark"] = raw
        tags = [t.strip() for t in TAG_SEPARATORS.split(v.get("tags", "")) if t.strip()]
        if any(len(t) > 50 for t in tags):
            error("tags", _("A tag has at most %(max)d characters.") % {"max": 50})
        owner = None
        if raw := v.get("owner", "").strip():
            owner = lookups.users.get(raw.lower())
            if owner is None:
                error("owner", _("No active user with the user name or employee number “%(value)s”.") % {"value": raw})
            elif owner.pk != actor.pk and not lookups.may_assign:
                error("owner", _("You may not assign customers to other users."))
        contact = self._contact(v, error)
        if errors:
            return errors, None
        row_plan = RowPlan(number=row.number, customer=customer, tags=tags, contact=contact, owner=owner)
        row_plan.keys = _keys(row_plan)
        return [], row_plan

    @staticmethod
    def _contact(v: dict[str, str], error) -> dict[str, str] | None:
        values = {key: v.get(key, "").strip() for key in CONTACT_FIELDS}
        if not any(values.values()):
            return None
        contact = {"name": values["contact_name"], "title": values["contact_title"], "mobile": "", "email": ""}
        if values["contact_mobile"]:
            contact["mobile"] = normalise_phone(values["contact_mobile"])
            if not contact["mobile"]:
                error(
                    "contact_mobile",
                    _("“%(value)s” is not a phone number, e.g. 13800138000.") % {"value": values["contact_mobile"]},
                )
        if values["contact_email"]:
            contact["email"] = _clean_email(values["contact_email"])
            if not contact["email"]:
                error(
                    "contact_email",
                    _("“%(value)s” is not a valid e-mail address.") % {"value": values["contact_email"]},
                )
        if not contact["name"]:
            error("contact_name", _("A contact with a mobile, e-mail or title needs a name."))
        elif len(contact["name"]) > 100:
            error("contact_name", _("At most %(max)d characters.") % {"max": 100})
        if len(contact["title"]) > 100:
            error("contact_title", _("At most %(max)d characters.") % {"max": 100})
        return contact

    @staticmethod
    def _earlier_row(plan: RowPlan, seen: dict[tuple[str, str], int]) -> int | None:
        rows = [seen[key] for key in plan.keys if key in seen]
        return min(rows) if rows else None

    def _apply_policy(
        self, number: int, cells: list[str], plan: RowPlan, found: _Existing, described: dict[int, dict], policy: str
    ) -> RowOutcome:
        # The strongest match wins: same name, then phone, then e-mail, then a similar name.
        order = {"same_name": 0, "same_phone": 1, "same_email": 2, "similar_name": 3}
        target = min(found.matches, key=lambda pk: (min(order[r] for r in found.matches[pk]), pk))
        info = described[target]
        reasons = sorted(found.matches[target], key=order.get)
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

    # --- Write --------------------------------------------------------------------------------------------

    def write(self, *, actor: User, analysis: Analysis, progress: Progress) -> WriteResult:
        plan: CustomerPlan = analysis.plan
        tags = _ensure_tags({t for p in (*plan.creates, *plan.updates) for t in p.tags})
        done = 0
        # New rows reach the search index in one statement per table at the end (see the context manager).
        with search_index_filled_in_bulk(Customer), search_index_filled_in_bulk(Contact):
            for batch in _chunks(plan.creates, WRITE_BATCH):
                self._create_batch(actor, batch, tags)
                done += len(batch)
                progress(done)
        result = WriteResult(created=len(plan.creates), updated=0)
        for batch in _chunks(plan.updates, WRITE_BATCH):
            updated, skipped = self._update_batch(actor, batch, tags, plan.cells)
            result.updated += updated
            result.skipped += skipped
            done += len(batch)
            progress(done)
        return result

    def _create_batch(self, actor: User, batch: list[RowPlan], tags: dict[str, int]) -> None:
        """Inserts the customers, their primary contacts and tag links with every derived column computed as
        Customer.save() and Contact.save() would (search text, duplicate key, blind indexes, ciphertext)."""
        connection = connections[router.db_for_write(Customer)]
        now = Customer._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
        customers = []
        for plan in batch:
            owner = plan.owner or actor
            values = {key: value for key, value in plan.customer.items() if value is not None}
            values.update(
                owner_id=owner.pk,
                department_id=owner.department_id,
                created_by_id=actor.pk,
                created_at=now,
                updated_at=now,
                search_text=search_text(values["name"], values.get("phone", ""), values.get("email", "")),
                name_key=name_key(values["name"]),
            )
            customers.append(values)
        ids = _insert_rows(Customer, customers, return_ids=True)
        mobile, email = Contact._meta.get_field("mobile"), Contact._meta.get_field("email")
        contacts = []
        for plan, customer_id in zip(batch, ids, strict=True):
            if values := plan.contact:
                contacts.append(
                    {
                        "customer_id": customer_id,
                        "name": values["name"],
                        "title": values["title"],
                        "mobile": mobile.get_db_prep_save(values["mobile"], connection),
                        "email": email.get_db_prep_save(values["email"], connection),
                        "mobile_index": _blind_index(values["mobile"]),
                        "email_index": _blind_index(values["email"]),
                        "search_text": search_text(values["name"]),
                        "is_primary": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        _insert_rows(Contact, contacts)
        links = [
            {"customer_id": customer_id, "tag_id": tags[name]}
            for plan, customer_id in zip(batch, ids, strict=True)
            for name in dict.fromkeys(plan.tags)
        ]
        _insert_rows(Customer.tags.through, links)

    def _update_batch(
        self, actor: User, batch: list[RowPlan], tags: dict[str, int], cells: dict[int, list[str]]
    ) -> tuple[int, list[RowOutcome]]:
        """Updates the matched customers with the file's non-empty values (all but the name). Each update is
        audited field by field, like an edit on the page: it overwrites what someone entered before."""
        now = timezone.now()
        ids = [plan.target for plan in batch]
        # Re-checked inside the write transaction: the customer may have changed hands since the preview.
        editable = {c.pk: c for c in Customer.objects.visible_to(actor, "edit").filter(pk__in=ids)}
        known = {}
        for customer_id, mobile_index, email_index in Contact.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "mobile_index", "email_index"
        ):
            known.setdefault(customer_id, set()).update({mobile_index, email_index} - {""})
        has_contacts = set(known)
        changed, contacts, links, skipped = [], [], [], []
        for plan in batch:
            customer = editable.get(plan.target)
            if customer is None:
                skipped.append(
                    RowOutcome(
                        row=plan.number,
                        action="skip",
                        cells=cells.get(plan.number, []),
                        messages=[_("Skipped: you may no longer edit the existing customer.")],
                    )
                )
                continue
            before = audit.snapshot(customer)
            # The name stays: the match may have been on a similar name, a phone or an e-mail.
            for key, value in plan.customer.items():
                if key != "name" and value not in (None, ""):
                    setattr(customer, key, value)
            if plan.owner is not None and plan.owner.pk != customer.owner_id:
                customer.owner_id, customer.department_id = plan.owner.pk, plan.owner.department_id
            customer.search_text = search_text(customer.name, customer.phone, customer.email)
            customer.name_key = name_key(customer.name)
            customer.updated_at = now
            changed.append(customer)
            audit.record_update(actor=actor, instance=customer, before=before)
            if plan.contact:
                indexes = {blind_index(plan.contact["mobile"]), blind_index(plan.contact["email"])} - {""}
                if not indexes & known.get(customer.pk, set()):
                    contacts.append(
                        _new_contact(plan.contact, customer.pk, now, primary=customer.pk not in has_contacts)
                    )
                    known.setdefault(customer.pk, set()).update(indexes)
                    has_contacts.add(customer.pk)
            links += [
                Customer.tags.through(customer_id=customer.pk, tag_id=tags[name]) for name in dict.fromkeys(plan.tags)
            ]
        Customer.objects.bulk_update(
            changed, [*CUSTOMER_FIELDS, "owner", "department", "search_text", "name_key", "updated_at"], batch_size=500
        )
        Contact.objects.bulk_create(contacts, batch_size=WRITE_BATCH)
        Customer.tags.through.objects.bulk_create(links, batch_size=WRITE_BATCH, ignore_conflicts=True)
        return len(changed), skipped


REASONS = {
    "same_name": gettext_lazy("same name"),
    "similar_name": gettext_lazy("similar name"),
    "same_phone": gettext_lazy("same phone"),
    "same_email": gettext_lazy("same e-mail"),
}


@dataclass
class _Lookups:
    """Everything validation compares against, read once per file rather than once per row."""

    dictionaries: dict[str, dict[str, str]]
    kinds: dict[str, str]
    labels: dict[str, str]  # field key -> label in the active language, for the row messages
    users: dict[str, User]
    may_assign: bool

    def fingerprint(self) -> str:
        """A digest of everything the rows were validated against: when it is unchanged, so is every verdict."""
        owners = sorted((name, u.pk, u.department_id) for name, u in self.users.items())
        state = [self.dictionaries, sorted(self.kinds.items()), owners, self.may_assign]
        return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @classmethod
    def load(cls, actor: User, owner_names: set[str]) -> _Lookups:
        from crm.system.models import DictionaryItem

        dictionaries: dict[str, dict[str, str]] = {kind: {} for kind in DICTIONARY_FIELDS.values()}
        # A cell may hold the code (it), the Chinese label (信息技术) or the English one (Information technology).
        for kind, code, zh, en in DictionaryItem.objects.filter(
            kind__in=list(dictionaries), is_active=True
        ).values_list("kind", "code", "label_zh", "label_en"):
            names = dictionaries[kind]
            for name in (code, zh, en):
                if name:
                    names.setdefault(name, code)
                    names.setdefault(_squash(name), code)
        kinds = {_squash(word): kind for kind, words in KIND_WORDS.items() for word in words}
        for kind, label in Customer.Kind.choices:
            kinds[_squash(label)] = kind
        wanted = owner_names
        users: dict[str, User] = {}
        if wanted:
            numbers = wanted | {w.upper() for w in wanted}
            for user in User.objects.filter(Q(username__in=wanted) | Q(employee_no__in=numbers), is_active=True):
                users[user.username.lower()] = user
                if user.employee_no:
                    users[user.employee_no.lower()] = user
        return cls(
            dictionaries=dictionaries,
            kinds=kinds,
            users=users,
            labels={f.key: str(f.label) for f in CustomerImporter.fields},
            may_assign=actor.has_module_perm("customers", "assign"),
        )


@lru_cache(maxsize=500_000)
def _blind_index(value: str) -> str:
    # The run hashes the same mobiles and e-mails for its lookups and again for its inserts. Emptied at the start
    # of every check, so a changed index key is never served from an earlier one.
    return blind_index(value)


def _select_all(sql: str, params: list[Any]) -> list[tuple]:
    with connections[router.db_for_read(Customer)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _contacts_audited_since(since: dt.datetime) -> list[int]:
    """Ids of the contacts the audit trail shows changed since ``since`` (created_at index)."""
    from django.contrib.contenttypes.models import ContentType

    from crm.audit.models import AuditEvent

    ids = AuditEvent.objects.filter(
        created_at__gte=since, content_type=ContentType.objects.get_for_model(Contact)
    ).values_list("object_id", flat=True)
    return sorted({int(pk) for pk in ids if pk.isdigit()})


def _high_water_marks() -> dict[str, Any]:
    """Where the customers and contacts tables stand before a check: anything created later has a higher id,
    anything changed later a later ``updated_at``. The margin covers transactions that were still open (their
    rows carry the time they were written, not the time they became visible)."""
    started = timezone.now() - CHANGE_MARGIN
    customers = Customer.all_objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    contacts = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return {"checked_at": started.isoformat(), "customer_id": customers, "contact_id": contacts}


def _select_in(sql: str, values: list[str], *params: Any) -> list[tuple]:
    """Runs ``sql`` — with ``IN ({})`` for the values — in chunks, and returns every row.

    Plain SQL on purpose: the ORM prepares each of the ~200,000 lookup values of a large file one by one, which
    cost more than the queries themselves; the queries are the ones ``Customer.objects.filter(x__in=…)`` would
    run, and each is a search of the column's own index (see docs/import.md)."""
    connection = connections[router.db_for_read(Customer)]
    rows: list[tuple] = []
    size = LOOKUP_CHUNK
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        size = min(size, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(params))
    with connection.cursor() as cursor:
        for chunk in _chunks(values, size):
            cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), [*params, *chunk])
            rows += cursor.fetchall()
    return rows


def _find_existing(plans: list[RowPlan], changed_after: dict[str, Any] | None = None) -> dict[int, _Existing]:
    """Matches of the rows against every live customer in the database, whoever owns it (the preview hides what
    the user may not see), by row number.

    ``changed_after``: only what changed since those high-water marks (the run after a preview), instead of a
    lookup per value — customers created or updated since (primary key and updated_at index), and contacts
    created since, belonging to those customers (a restore, a merge) or changed since according to the audit
    trail (every contact edit goes through a service that audits it; contacts have no updated_at index)."""
    by_key: dict[tuple[str, str], list[int]] = {}
    for plan in plans:
        for key in plan.keys:
            by_key.setdefault(key, []).append(plan.number)
    names = {plan.number: plan.customer["name"] for plan in plans}
    found: dict[int, _Existing] = {}
    hits: list[tuple[int, str, str, str]] = []  # (customer id, kind of key, key, existing name)
    customers = Customer._meta.db_table
    live = f"SELECT {{columns}} FROM {customers} WHERE deleted_at IS NULL"
    if changed_after is None:
        for kind, column in (("name", "name_key"), ("phone", "phone"), ("email", "email")):
            values = [value for key_kind, value in by_key if key_kind == kind]
            sql = live.format(columns=f"id, {column}, name") + f" AND {column} IN ({{}})"
            hits += [(pk, kind, value, name) for pk, value, name in _select_in(sql, values)]
    else:
        sql = live.format(columns="id, name_key, phone, email, name") + " AND (id > %s OR updated_at >= %s)"
        since = parse_datetime(changed_after["checked_at"])
        with connections[router.db_for_read(Customer)].cursor() as cursor:
            cursor.execute(sql, [changed_after["customer_id"], cursor.db.ops.adapt_datetimefield_value(since)])
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
            hits += [(pk, kind, indexes[kind][index], "") for pk, index in _select_in(sql, list(indexes[kind]))]
    else:
        select = f"SELECT c.customer_id, c.mobile_index, c.email_index {from_live} AND "
        rows = _select_all(select + "c.id > %s", [changed_after["contact_id"]])
        rows += _select_in(select + "c.customer_id IN ({})", sorted({hit[0] for hit in hits}))
        rows += _select_in(select + "c.id IN ({})", _contacts_audited_since(since))
        for pk, mobile_index, email_index in rows:
            if mobile_index in indexes["phone"]:
                hits.append((pk, "phone", indexes["phone"][mobile_index], ""))
            if email_index in indexes["email"]:
                hits.append((pk, "email", indexes["email"][email_index], ""))
    # Oldest customer first: the first match is the original.
    for pk, kind, value, existing_name in sorted(hits, key=lambda hit: hit[0]):
        for number in by_key.get((kind, value), ()):
            if kind == "name":
                reason = "same_name" if existing_name == names[number] else "similar_name"
            else:
                reason = f"same_{kind}"
            found.setdefault(number, _Existing()).add(pk, reason)
    return found


def _clean_email(raw: str) -> str:
    """The normalised address if Django's EmailField would accept it, else ''."""
    value = normalise_email(raw)
    if not value or len(value) > 254:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


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


def _keys(plan: RowPlan) -> list[tuple[str, str]]:
    """What makes two rows of one file the same customer: the fuzzy name key, a phone or an e-mail."""
    keys = [("phone", p) for p in _phones(plan)] + [("email", e) for e in _emails(plan)]
    if key := name_key(plan.customer["name"]):
        keys.append(("name", key))
    return keys


def _describe_customers(actor: User, ids: set[int]) -> dict[int, dict]:
    """Name, link and the actor's rights for each matched customer; names of customers outside the actor's
    scope are never read into the preview."""
    described: dict[int, dict] = {}
    for chunk in _chunks(sorted(ids)):
        visible = dict(Customer.objects.visible_to(actor, "view").filter(pk__in=chunk).values_list("pk", "name"))
        editable = set(Customer.objects.visible_to(actor, "edit").filter(pk__in=chunk).values_list("pk", flat=True))
        for pk in chunk:
            described[pk] = {
                "visible": pk in visible,
                "editable": pk in editable and pk in visible,
                "name": visible.get(pk, ""),
                "url": reverse("customers:detail", args=[pk]) if pk in visible else "",
            }
    return described


def _ensure_tags(names: set[str]) -> dict[str, int]:
    """{tag name: id}, creating the tags the file names that do not exist yet."""
    if not names:
        return {}
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    return dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))


def _insert_rows(model: type[Model], rows: list[dict[str, Any]], *, return_ids: bool = False) -> list[int]:
    """Inserts rows given as {attname: value in its database form}; columns left out get the field's default.
    Returns the new ids, in order, if asked.

    One prepared INSERT run for every row (executemany) instead of bulk_create, which prepares every value of
    every object through its field (a third of an import's time). On SQLite the ids of the rows inserted are
    consecutive — one writer at a time, AUTOINCREMENT ids — and are counted back from the last one; elsewhere
    they come back from multi-row INSERTs (RETURNING), as bulk_create gets them.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    names = [f.attname for f in fields]
    values = [tuple(row.get(name, default) for name, default in zip(names, defaults, strict=True)) for row in rows]
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" or not return_ids:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {marks}", values)
            if not return_ids:
                return []
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
            ids = list(range(last - len(rows) + 1, last + 1))
            cursor.execute(f"SELECT count(*) FROM {table} WHERE id BETWEEN %s AND %s", [ids[0], last])
            if cursor.fetchone()[0] != len(rows):
                raise RuntimeError(f"{table}: the inserted rows do not have consecutive ids")
            return ids
        ids = []
        per_statement = max(1, (connection.features.max_query_params or 65_535) // len(fields))
        for batch in _chunks(values, per_statement):
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(batch))} RETURNING {quote('id')}",
                [value for row in batch for value in row],
            )
            ids += [row[0] for row in cursor.fetchall()]
        return ids


def _new_contact(values: dict[str, str], customer_id: int, now, *, primary: bool) -> Contact:
    """A contact with the derived columns Contact.save() would compute (bulk_create does not call save())."""
    return Contact(
        customer_id=customer_id,
        name=values["name"],
        title=values["title"],
        mobile=values["mobile"],
        email=values["email"],
        mobile_index=blind_index(values["mobile"]),
        email_index=blind_index(values["email"]),
        search_text=search_text(values["name"]),
        is_primary=primary,
        created_at=now,
        updated_at=now,
    )


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


register_importer(CustomerImporter())
