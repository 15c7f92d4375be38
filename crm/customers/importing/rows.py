"""What a row of a customer file says: its plan (the values to write), and everything its cells are read
against — dictionaries, customer kinds, owners, tags — loaded once per file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Q

from crm.accounts.models import User
from crm.customers.importing.duplicates import keys_of
from crm.customers.models import Contact, Customer, Tag
from crm.imports.plans import fingerprint
from crm.imports.validation import FieldCleaner

TAG_SEPARATORS = re.compile(r"[,，;；、|/]+")
KIND_WORDS = {
    Customer.Kind.COMPANY: ("company", "企业", "公司", "企业客户", "单位", "组织", "b2b"),
    Customer.Kind.INDIVIDUAL: ("individual", "person", "personal", "个人", "个人客户", "自然人", "b2c"),
}
DICTIONARY_FIELDS = {"customer_type": "customer_type", "industry": "industry", "scale": "company_scale",
                     "source": "source", "level": "customer_level", "credit_rating": "credit_rating"}
# A company's credit code and invoicing details (开票信息), checked by customer_value_problems().
INVOICING_FIELDS = ("credit_code", "tax_number", "invoice_address", "invoice_phone", "bank_name", "bank_account")
CUSTOMER_FIELDS = ("name", "kind", "customer_type", "phone", "phone_extension", "email", "industry", "scale",
                   "source", "level", "credit_rating", "city", "address", "remark", *INVOICING_FIELDS)
CONTACT_FIELDS = ("contact_name", "contact_mobile", "contact_email", "contact_title")


def squash(text: str) -> str:
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
    # The customer id the row names (an exported file's ID column): the surest duplicate key.
    id: int | None = None
    # What makes it a duplicate: ("name", name key), ("phone", …), ("email", …).
    keys: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> list:
        owner = self.owner.pk if self.owner else None
        return [self.number, self.customer, self.tags, self.contact, owner, self.target, self.id]

    @classmethod
    def from_json(cls, data: list, owners: dict[int, User]) -> RowPlan:
        """The plan as_json() saved; ``owners``: the file's owners by id (``owners_by_id(lookups.users)``)."""
        number, customer, tags, contact, owner_id, target, row_id = data
        plan = cls(number, customer, tags, contact, owners[owner_id] if owner_id else None, target, row_id)
        plan.keys = keys_of(plan)
        return plan


def owners_by_id(users: dict[str, User | None]) -> dict[int, User]:
    return {user.pk: user for user in users.values() if user is not None}


@dataclass
class CustomerPlan:
    creates: list[RowPlan] = field(default_factory=list)
    updates: list[RowPlan] = field(default_factory=list)
    cells: dict[int, list[str]] = field(default_factory=dict)


def split_tags(text: str, known: list[str]) -> list[str]:
    """The tag names of a cell. Existing tags whose names contain a separator (``A/B``) are kept whole — an
    exported list joins tags with ", " and must read back as the same tags — and the rest is split."""
    if not text:
        return []
    found: list[str] = []
    for name in known:  # longest first
        pattern = _whole_tag(name)
        if pattern.search(text):
            found.append(name)
            text = pattern.sub(" ", text)
    found += [t.strip() for t in TAG_SEPARATORS.split(text) if t.strip()]
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1000)
def _whole_tag(name: str) -> re.Pattern:
    # The name between separators (or spaces) or the ends of the cell.
    return re.compile(rf"(?:^|(?<=[,，;；、|/\s])){re.escape(name)}(?=$|[,，;；、|/\s])")


@dataclass
class Lookups:
    """Everything validation compares against, read once per file rather than once per row."""

    dictionaries: dict[str, dict[str, str]]
    kinds: dict[str, str]
    labels: dict[str, str]  # field key -> label in the active language, for the row messages
    users: dict[str, User | None]  # None: a display name two users share
    may_assign: bool
    tags_with_separators: list[str]
    cleaners: dict[str, FieldCleaner]

    def fingerprint(self) -> str:
        """A digest of everything the rows were validated against: when it is unchanged, so is every verdict."""
        owners = sorted((name, u.pk if u else None, u.department_id if u else None) for name, u in self.users.items())
        return fingerprint(
            [self.dictionaries, sorted(self.kinds.items()), owners, self.may_assign, self.tags_with_separators]
        )

    @classmethod
    def load(cls, actor: User, owner_names: set[str], labels: dict[str, str]) -> Lookups:
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
                    names.setdefault(squash(name), code)
        kinds = {squash(word): kind for kind, words in KIND_WORDS.items() for word in words}
        for kind, label in Customer.Kind.choices:
            kinds[squash(label)] = kind
        return cls(
            dictionaries=dictionaries,
            kinds=kinds,
            users=_owners(owner_names),
            labels=labels,
            may_assign=actor.has_module_perm("customers", "assign"),
            tags_with_separators=sorted(
                (n for n in Tag.objects.filter(name__regex=r"[,，;；、|/]").values_list("name", flat=True)),
                key=lambda n: (-len(n), n),
            ),
            cleaners={
                **{name: FieldCleaner(Customer, name) for name in (*CUSTOMER_FIELDS, "number")},
                **{f"contact_{name}": FieldCleaner(Contact, name) for name in ("name", "title")},
                "tag": FieldCleaner(Tag, "name"),
            },
        )


def _owners(names: set[str]) -> dict[str, User | None]:
    """Active users by user name, employee number or (as a list shows and exports them) display name, keyed in
    lower case. A display name several users share maps to None: the row must name the user unambiguously."""
    if not names:
        return {}
    wanted = {name.lower() for name in names}
    found = list(
        User.objects.filter(
            Q(username__in=names | wanted) | Q(employee_no__in=names | {n.upper() for n in names}) | Q(name__in=names),
            is_active=True,
        ).select_related("department")
    )
    users: dict[str, User | None] = {}
    for user in found:
        if user.name and user.name.lower() in wanted:
            key = user.name.lower()
            users[key] = None if key in users else user
    for user in found:  # a user name or employee number wins over someone's display name
        users[user.username.lower()] = user
        if user.employee_no:
            users[user.employee_no.lower()] = user
    return users
