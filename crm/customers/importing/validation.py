"""A row's cells, checked with the Customer, Contact and Tag fields' own validators (see
crm.imports.validation.FieldCleaner), into the plan of what to write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.core.contact_points import normalise_email, parse_phone
from crm.core.parsing import parse_id
from crm.customers.importing.duplicates import keys_of
from crm.customers.importing.rows import (
    CONTACT_FIELDS,
    DICTIONARY_FIELDS,
    INVOICING_FIELDS,
    Lookups,
    RowPlan,
    split_tags,
    squash,
)
from crm.customers.models import credit_code_kind_problem
from crm.imports.registry import SourceRow
from crm.system.dictionaries import KINDS


def validate_row(row: SourceRow, lookups: Lookups) -> tuple[list[str], RowPlan | None]:
    """The row's error messages (each prefixed by its field's label), or its plan.

    Whether the owner may be someone else is decided later, once it is known whether the row creates a customer
    or updates one (naming a customer's current owner is no assignment)."""
    v = row.values
    errors: list[str] = []

    def error(key: str, message: str) -> None:
        errors.append(f"{lookups.labels[key]}: {message}")

    def clean(key: str, value: Any, cleaner: str | None = None) -> Any:
        try:
            return lookups.cleaners[cleaner or key](value)
        except ValidationError as problem:
            error(key, " ".join(problem.messages))
            return None

    customer: dict[str, Any] = {"name": clean("name", v.get("name", "").strip())}
    if raw := v.get("kind", ""):
        kind = lookups.kinds.get(squash(raw))
        if kind is None:
            error("kind", _("“%(value)s” is not a customer kind; use company or individual (企业 / 个人).")
                  % {"value": raw})
        customer["kind"] = clean("kind", kind) if kind else None
    if raw := v.get("phone", ""):
        # The models' own normaliser (full-width digits, an extension apart), as a form or the API would store it.
        phone = parse_phone(raw)
        if phone.fault:
            error("phone", _("“%(value)s” is not a phone number: %(problem)s")
                  % {"value": raw, "problem": phone.problem})
        customer["phone"] = None if phone.fault else clean("phone", phone.number)
        if phone.extension:
            customer["phone_extension"] = phone.extension
    if raw := v.get("email", ""):
        customer["email"] = _email(raw, "email", lookups, error)
    for key, kind in DICTIONARY_FIELDS.items():
        if raw := v.get(key, ""):
            code = lookups.dictionaries[kind].get(raw.strip()) or lookups.dictionaries[kind].get(squash(raw))
            if code is None:
                error(key, _("“%(value)s” is not in the %(kind)s list.")
                      % {"value": raw, "kind": KINDS.get(kind, kind)})
            customer[key] = clean(key, code) if code else None
    for key in ("city", "address", "remark", "phone_extension", *INVOICING_FIELDS):
        if raw := v.get(key, "").strip():
            customer[key] = clean(key, raw)
    if problem := credit_code_kind_problem(customer.get("kind"), customer.get("credit_code") or ""):
        error("credit_code", problem)
    if raw := v.get("number", "").strip():
        customer["number"] = clean("number", raw)  # its form; whether it is free is checked with the file's rows
    tags = split_tags(v.get("tags", ""), lookups.tags_with_separators)
    for tag in tags:
        clean("tags", tag, "tag")
    owner = None
    row_id = None
    if raw := v.get("id", "").strip():
        row_id = parse_id(raw)
        if row_id is None:
            error("id", _("“%(value)s” is not a customer ID.") % {"value": raw})
    if raw := v.get("owner", "").strip():
        owner = lookups.users.get(raw.lower())
        if raw.lower() in lookups.users and owner is None:
            error("owner", _("Several users are called “%(value)s”; use the user name or employee number.")
                  % {"value": raw})
        elif owner is None:
            error("owner", _("No active user with the user name or employee number “%(value)s”.") % {"value": raw})
    contact = _contact(v, lookups, error, clean)
    if errors:
        return errors, None
    plan = RowPlan(number=row.number, customer=customer, tags=tags, contact=contact, owner=owner, id=row_id)
    plan.keys = keys_of(plan)
    return [], plan


def owner_problem(plan: RowPlan, actor: User, lookups: Lookups, current_owner_id: int | None = None, *,
                  updating: bool = False) -> str | None:
    """Why the row may not give the customer its owner: another user is an assignment (customers.assign), and
    so is any change of an existing customer's owner — taking it oneself included (as
    ``crm.customers.services.check_owner_change`` says for an edit) — unless the row names the owner it has."""
    owner = plan.owner
    if owner is None or owner.pk == current_owner_id or lookups.may_assign:
        return None
    if updating:
        return f"{lookups.labels['owner']}: {_('Only users who may assign customers can change their owner.')}"
    if owner.pk == actor.pk:
        return None
    return f"{lookups.labels['owner']}: {_('You may not assign customers to other users.')}"


def number_problem(
    plan: RowPlan, action: str, in_use: dict[str, int], numbered: dict[str, int], lookups: Lookups
) -> str | None:
    """Why the row's customer number (客户编号) cannot be written: a new customer keeps a number no other customer
    (deleted and merged ones included) and no earlier row of the file has; an update never changes it.
    ``in_use``: {number: customer id} of the file's numbers already stored; ``numbered``: {number: row} of the
    file's earlier new customers."""
    number = plan.customer.get("number")
    if not number:
        return None
    label = lookups.labels["number"]
    if action == "update":
        return None if in_use.get(number) == plan.target else f"{label}: {_('The customer number cannot be changed.')}"
    if number in in_use:
        return f"{label}: {_('Another customer already has this number.')}"
    if number in numbered:
        return f"{label}: " + _("Row %(row)s of this file has this number already.") % {"row": numbered[number]}
    return None


def _email(raw: str, key: str, lookups: Lookups, error) -> str | None:
    """The normalised address, checked by Django's EmailField validators (as the Customer's e-mail field)."""
    value = normalise_email(raw)
    try:
        if not value:
            raise ValidationError("")
        return lookups.cleaners["email"](value)
    except ValidationError:
        error(key, _("“%(value)s” is not a valid e-mail address.") % {"value": raw})
        return None


def _contact(v: dict[str, str], lookups: Lookups, error, clean) -> dict[str, str] | None:
    values = {key: v.get(key, "").strip() for key in CONTACT_FIELDS}
    if not any(values.values()):
        return None
    contact = {"name": values["contact_name"], "title": values["contact_title"], "mobile": "", "email": ""}
    if values["contact_mobile"]:
        mobile = parse_phone(values["contact_mobile"])
        if mobile.fault:
            error(
                "contact_mobile",
                _("“%(value)s” is not a phone number: %(problem)s")
                % {"value": values["contact_mobile"], "problem": mobile.problem},
            )
        else:
            contact["mobile"] = mobile.number
            if mobile.extension:
                contact["phone_extension"] = mobile.extension
    if values["contact_email"]:
        contact["email"] = _email(values["contact_email"], "contact_email", lookups, error) or ""
    if not contact["name"]:
        error("contact_name", _("A contact with a mobile, e-mail or title needs a name."))
    else:
        clean("contact_name", contact["name"])
    if contact["title"]:
        clean("contact_title", contact["title"])
    return contact
