"""Personal data rights of one person (a contact): export everything held about them, or erase it on request.

Erasing anonymises rather than deletes: the row stays, so counts, follow-ups and reports still add up, but
nothing that identifies the person remains — in the contact, its blind indexes, any free text of the customer's
records (follow-ups logged with them or merely mentioning them, the customer's remark, other contacts' notes,
pool reasons, reminders) or the audit trail of any of them. The person is found however they were written: the
name, the phone in any format (``139-1963-5714``, ``+86 139 1963 5714``, full-width digits), the e-mail and the
ID number in any case (``Erasure.scrub``).

What is held about a person is spread over modules, so both rights ask registered providers
(``register_personal_data``): each exports its sections and erases its part. Customers registers the contact
itself, its follow-ups and the reminders about them (CustomersConfig.ready()); a tickets module adds the tickets
that mention the person, a leads module the leads with the same phone, without an edit here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.errors import DomainError
from crm.customers.models import Activity, Contact, Customer, PoolMovement
from crm.notifications.messages import scrub_params
from crm.notifications.models import Notification, Reminder

# What an erasure clears (besides the name, which becomes a placeholder, and consent, which is withdrawn).
ERASED_FIELDS = (
    "name",
    "title",
    "gender",
    "mobile",
    "phone_extension",
    "email",
    "id_number",
    "birthday",
    "remark",
    "consent_given",
    "consent_source",
    "consent_at",
)
# Audit values of these fields identify the person; an erasure replaces them with this mark.
_ERASED_MARK = "***"


def apply_consent_rules(contact: Contact) -> None:
    """Consent has a date while it stands: given without a date means given now; a date may be set (consent
    collected on paper last month) but not in the future; withdrawn, the date goes too. The audit trail keeps
    when consent was given and withdrawn."""
    if not contact.consent_given:
        contact.consent_at = None
    elif contact.consent_at is None:
        contact.consent_at = timezone.now()
    elif contact.consent_at > timezone.now() + dt.timedelta(minutes=5):  # some slack for clocks
        raise DomainError(_("The consent date cannot be in the future."), field="consent_at")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# Between the digits of a written phone number: spaces (also full-width), dashes, dots, brackets.
_PHONE_GAP = r"[\s\u3000\-\u2010-\u2015\uff0d.\u00b7()\uff08\uff09/]*"


def _digit(d: str) -> str:
    return f"[{d}{chr(0xFF10 + int(d))}]"  # ASCII or full-width


def _written_digits(digits: str, optional_trunk_zero: bool = False) -> str:
    """A pattern for ``digits`` however they are written: separators between them, full-width forms."""
    parts = [_digit(d) for d in digits]
    if optional_trunk_zero and digits.startswith("0"):
        parts[0] += "?"  # +86 571 8888 6666 drops the trunk 0 of 0571
    return "(?<![0-9\uff10-\uff19])" + _PHONE_GAP.join(parts) + "(?![0-9\uff10-\uff19])"


def person_pattern(secrets: list[str], phones: Collection[str] = ()) -> re.Pattern | None:
    """One pattern matching any of the person's strings in any case (``secrets``: name, e-mail, ID number…) and
    any of ``phones`` (normalised numbers) in any written format. Longest first: a whole e-mail goes before the
    name inside it."""
    alternatives = [(len(s), re.escape(s).replace("\\ ", "\\s*")) for s in secrets if s and len(s) >= 2]
    alternatives += [(len(p), _written_digits(p.lstrip("+"), optional_trunk_zero=True)) for p in phones if p]
    if not alternatives:
        return None
    ordered = [pattern for _length, pattern in sorted(alternatives, key=lambda item: -item[0])]
    return re.compile("|".join(ordered), re.IGNORECASE)


def _scrub_text(text: str, pattern: re.Pattern | None, placeholder: str) -> str:
    return pattern.sub(placeholder, text) if pattern is not None and text else text


def _scrub_value(value: Any, pattern: re.Pattern | None, placeholder: str) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, pattern, placeholder)
    if isinstance(value, list):
        return [_scrub_value(item, pattern, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_value(item, pattern, placeholder) for key, item in value.items()}
    return value


# --- The registry -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What an erase provider is given: the person as they still are (nothing is cleared before every provider
    has run), who erases them, the strings that identify them (longest first) and the placeholder that replaces
    them."""

    contact: Contact
    actor: User
    secrets: list[str]
    placeholder: str
    # What scrub() replaces: the secrets in any case and the phones in any written format (person_pattern()).
    pattern: re.Pattern | None = None

    @property
    def customer(self) -> Customer:
        """The customer the person belongs to: every free text of its records is scrubbed, not only the records
        linked to the person (a follow-up may mention them without naming them as its contact)."""
        return self.contact.customer

    def scrub(self, text: str) -> str:
        """``text`` without any of the person's identifying strings, however they were written."""
        pattern = self.pattern if self.pattern is not None else person_pattern(self.secrets)
        return _scrub_text(text or "", pattern, self.placeholder)

    def mentions(self, text: str) -> bool:
        return bool(text) and self.scrub(text) != text

    def scrub_audit_trail(self, model: type, ids: list[int], personal_fields: Collection[str] = (),
                          replace_repr: bool = False) -> int:
        """Removes the person from the audit rows of ``model``'s rows ``ids``: the old/new values of
        ``personal_fields`` become a mark (the trail still says *that* they changed), any other text loses the
        identifying strings; ``replace_repr`` makes the rows' label the placeholder. Returns the rows rewritten
        (only rows that held something of the person are written)."""
        if not ids:
            return 0
        content_type = ContentType.objects.get_for_model(model)
        pattern = self.pattern if self.pattern is not None else person_pattern(self.secrets)
        events = AuditEvent.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids])
        rewritten = []
        for event in events.iterator(chunk_size=500):
            before = (event.changes, event.object_repr, event.message)
            changes = event.changes if isinstance(event.changes, dict) else {}
            event.changes = {
                key: [None if item in (None, "") else _ERASED_MARK for item in value]
                if key in personal_fields and isinstance(value, list)
                else _scrub_value(value, pattern, self.placeholder)
                for key, value in changes.items()
            }
            event.object_repr = self.placeholder if replace_repr else self.scrub(event.object_repr)
            event.message = self.scrub(event.message)
            if (event.changes, event.object_repr, event.message) != before:
                rewritten.append(event)
        AuditEvent.objects.bulk_update(rewritten, ["changes", "object_repr", "message"], batch_size=500)
        return len(rewritten)


@dataclass(frozen=True)
class PersonalDataProvider:
    """One module's part of a person's data.

    ``export(contact)`` returns JSON-ready sections to add to the export (``{"tickets": [...]}``; a section name
    is unique across providers). ``erase(erasure)`` anonymises that part inside the erasure's transaction and
    returns counts for the ERASE audit row (``{"tickets": 3}``; equal keys are added up). Providers run by
    ``order``; the contact itself is cleared last (order 1000).
    """

    code: str
    export: Callable[[Contact], dict[str, Any]] = field(default=lambda contact: {})
    erase: Callable[[Erasure], dict[str, int]] = field(default=lambda erasure: {})
    order: int = 100


_providers: dict[str, PersonalDataProvider] = {}


def register_personal_data(provider: PersonalDataProvider) -> None:
    """Adds a module's part to personal-data export and erase; a code registered again replaces the earlier."""
    _providers[provider.code] = provider


def unregister_personal_data(code: str) -> None:
    _providers.pop(code, None)


def personal_data_providers() -> list[PersonalDataProvider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.code))


# --- The two rights -----------------------------------------------------------------------------------------


def export_contact_data(*, actor: User, contact: Contact) -> dict[str, Any]:
    """Everything held about one person, decrypted, as a JSON-ready dict: the sections of every registered
    provider. Needs customers.unmask. The export is recorded in the audit trail (which sections were exported,
    not the values themselves)."""
    if not actor.has_module_perm("customers", "unmask"):
        raise DomainError(_("Your role may not see unmasked personal data."), code="permission_denied")
    data: dict[str, Any] = {}
    for provider in personal_data_providers():
        for section, value in provider.export(contact).items():
            if section in data or section in ("exported_at", "exported_by"):
                raise ValueError(f"Personal-data section {section!r} is exported twice ({provider.code}).")
            data[section] = value
    data["exported_at"] = timezone.now().isoformat()
    data["exported_by"] = actor.get_username()
    audit.record_event(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        instance=contact,
        changes={"format": "json", "kind": "personal_data", "follow_ups": len(data.get("follow_ups", [])),
                 "sections": sorted(key for key in data if key not in ("exported_at", "exported_by"))},
        message=_("Personal data export"),
    )
    return data


@transaction.atomic
def erase_contact(*, actor: User, contact: Contact) -> Contact:
    """Anonymises one person on request; needs customers.delete.

    Every registered provider erases its part (follow-ups' text, reminders, other modules' records) and the
    contact is cleared last: the name becomes a placeholder in the actor's language; mobile, e-mail, ID number,
    birthday, title, gender and remark are cleared with their blind indexes (so a search by the old number finds
    nothing); consent is withdrawn; erased_at is set. The rows stay (counts and reports still add up), but their
    text and the audit trail lose the person's values. An ERASE row records who erased whom and when, and what
    each part erased, without the data.
    """
    if not actor.has_module_perm("customers", "delete"):
        raise DomainError(_("Erasing personal data needs the right to delete customers."), code="permission_denied")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.erased_at is not None:
        raise DomainError(_("This person's data has already been erased."), code="already_erased")
    # Longest first, so a full value is replaced before a part of it (e.g. a name inside an e-mail address).
    secrets = sorted(
        {
            value
            for value in (contact.name, contact.mobile, contact.email, contact.id_number)
            if value and len(value) >= 2
        },
        key=len,
        reverse=True,
    )
    pattern = person_pattern([s for s in secrets if s != contact.mobile], [contact.mobile] if contact.mobile else [])
    erasure = Erasure(contact=contact, actor=actor, secrets=secrets, placeholder=_("Erased contact"),
                      pattern=pattern)
    summary: dict[str, int] = {}
    for provider in personal_data_providers():
        for key, count in (provider.erase(erasure) or {}).items():
            summary[key] = summary.get(key, 0) + count
    audit.record_event(
        actor=actor,
        action=AuditEvent.Action.ERASE,
        instance=contact,
        changes={"fields": list(ERASED_FIELDS), **summary},
        message=_("Personal data erased on request"),
    )
    return contact


# --- The customers' own parts -------------------------------------------------------------------------------


def _export_contact(contact: Contact) -> dict[str, Any]:
    return {
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "title": contact.title,
            "gender": contact.gender,
            "mobile": contact.mobile,
            "email": contact.email,
            "id_number": contact.id_number,
            "birthday": _iso(contact.birthday),
            "is_primary": contact.is_primary,
            "remark": contact.remark,
            "created_at": _iso(contact.created_at),
            "updated_at": _iso(contact.updated_at),
            "erased_at": _iso(contact.erased_at),
        },
        "consent": {"given": contact.consent_given, "source": contact.consent_source, "at": _iso(contact.consent_at)},
        "customer": {"id": contact.customer_id, "name": contact.customer.name},
    }


def _erase_contact(erasure: Erasure) -> dict[str, int]:
    """Last of all: the contact's own audit rows, then its values."""
    contact = erasure.contact
    scrubbed = erasure.scrub_audit_trail(Contact, [contact.pk], personal_fields=ERASED_FIELDS, replace_repr=True)
    contact.name = erasure.placeholder
    contact.title = contact.gender = contact.mobile = contact.email = contact.id_number = contact.phone_extension = ""
    contact.remark = contact.consent_source = ""
    contact.birthday = contact.consent_at = None
    contact.consent_given = False
    contact.erased_at = timezone.now()
    contact.save()  # recomputes the blind indexes and search text from the now empty values
    return {"audit_rows_scrubbed": scrubbed}


def _export_follow_ups(contact: Contact) -> dict[str, Any]:
    follow_ups = Activity.objects.filter(contact=contact).select_related("created_by").order_by("occurred_at", "id")
    return {
        "follow_ups": [
            {
                "id": a.pk,
                "kind": a.kind,
                "kind_label": a.get_kind_display(),
                "subject": a.subject,
                "content": a.content,
                "occurred_at": _iso(a.occurred_at),
                "next_follow_up_at": _iso(a.next_follow_up_at),
                "logged_by": str(a.created_by or ""),
            }
            for a in follow_ups
        ]
    }


def _erase_follow_ups(erasure: Erasure) -> dict[str, int]:
    """Every follow-up of the customer keeps its row and loses the person in its text and its audit rows: those
    logged with them (whose audit rows also lose the link) and those that only mention them."""
    activities = list(Activity.objects.filter(customer_id=erasure.contact.customer_id).only(
        "pk", "contact_id", "subject", "content"))
    changed = []
    for activity in activities:
        subject, content = erasure.scrub(activity.subject)[:200], erasure.scrub(activity.content)
        if (subject, content) != (activity.subject, activity.content):
            activity.subject, activity.content = subject, content
            changed.append(activity)
    Activity.objects.bulk_update(changed, ["subject", "content"], batch_size=500)
    linked = [a.pk for a in activities if a.contact_id == erasure.contact.pk]
    scrubbed = erasure.scrub_audit_trail(Activity, linked, personal_fields={"contact"})
    scrubbed += erasure.scrub_audit_trail(Activity, [a.pk for a in activities if a.contact_id != erasure.contact.pk])
    return {"follow_ups": len(linked), "follow_ups_scrubbed": len(changed), "audit_rows_scrubbed": scrubbed}


def _erase_customer_texts(erasure: Erasure) -> dict[str, int]:
    """The customer's own free text (remark, address; its phone or e-mail when they are the person's), the other
    contacts' notes, the pool's reasons, and the audit rows of the customer and of those contacts."""
    contact = erasure.contact
    customer = Customer.all_objects.get(pk=contact.customer_id)
    fields = {"remark": erasure.scrub(customer.remark), "address": erasure.scrub(customer.address)[:300]}
    if contact.mobile and customer.phone == contact.mobile:
        fields["phone"] = fields["phone_extension"] = ""
    if contact.email and customer.email.lower() == contact.email.lower():
        fields["email"] = ""
    fields = {name: value for name, value in fields.items() if value != getattr(customer, name)}
    if fields:
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.save(update_fields=[*fields])  # the derived search text goes with them
    others = list(Contact.objects.filter(customer_id=customer.pk).exclude(pk=contact.pk).only("pk", "remark", "title"))
    changed = []
    for other in others:
        remark, title = erasure.scrub(other.remark), erasure.scrub(other.title)[:100]
        if (remark, title) != (other.remark, other.title):
            other.remark, other.title = remark, title
            changed.append(other)
    Contact.objects.bulk_update(changed, ["remark", "title"], batch_size=500)
    movements = [m for m in PoolMovement.objects.filter(customer_id=customer.pk) if erasure.mentions(m.reason)]
    for movement in movements:
        movement.reason = erasure.scrub(movement.reason)[:300]
    PoolMovement.objects.bulk_update(movements, ["reason"], batch_size=500)
    scrubbed = erasure.scrub_audit_trail(Customer, [customer.pk])
    scrubbed += erasure.scrub_audit_trail(Contact, [other.pk for other in others])
    return {"customer_texts": len(fields) + len(changed) + len(movements), "audit_rows_scrubbed": scrubbed}


def _erase_reminders(erasure: Erasure) -> dict[str, int]:
    """Follow-up reminders and notifications about the customer repeat a follow-up's subject: drop the
    person's values from them too."""
    url = erasure.contact.customer.get_absolute_url()
    for model in (Reminder, Notification):
        rows = list(model.objects.filter(url=url))
        for row in rows:
            row.title = erasure.scrub(row.title)[:200]
            row.body = erasure.scrub(row.body)
            row.params = scrub_params(row.params, erasure.scrub)  # the subject, kept untranslated
        model.objects.bulk_update(rows, ["title", "body", "params"], batch_size=500)
    return {}


CONTACT = PersonalDataProvider(code="customers.contact", export=_export_contact, erase=_erase_contact, order=1000)
FOLLOW_UPS = PersonalDataProvider(code="customers.follow_ups", export=_export_follow_ups, erase=_erase_follow_ups,
                                  order=10)
REMINDERS = PersonalDataProvider(code="customers.reminders", erase=_erase_reminders, order=20)
CUSTOMER_TEXTS = PersonalDataProvider(code="customers.customer_texts", erase=_erase_customer_texts, order=30)
