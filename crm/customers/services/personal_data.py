"""Personal data rights of one person (a contact): export everything held about them, or erase it on request.

Erasing anonymises rather than deletes: the row stays, so counts, follow-ups and reports still add up, but
nothing that identifies the person remains — in the contact, its blind indexes, the text of the follow-ups
logged with them, or the audit trail of either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.errors import DomainError
from crm.customers.models import Activity, Contact
from crm.notifications.models import Notification, Reminder

# What an erasure clears (besides the name, which becomes a placeholder, and consent, which is withdrawn).
ERASED_FIELDS = (
    "name",
    "title",
    "gender",
    "mobile",
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


def export_contact_data(*, actor: User, contact: Contact) -> dict[str, Any]:
    """Everything held about one person, decrypted, as a JSON-ready dict; needs customers.unmask. The export
    is recorded in the audit trail (which values were exported, not the values themselves)."""
    if not actor.has_module_perm("customers", "unmask"):
        raise DomainError(_("Your role may not see unmasked personal data."), code="permission_denied")
    follow_ups = Activity.objects.filter(contact=contact).select_related("created_by").order_by("occurred_at", "id")
    data = {
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
        ],
        "exported_at": timezone.now().isoformat(),
        "exported_by": actor.get_username(),
    }
    audit.record_event(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        instance=contact,
        changes={"format": "json", "kind": "personal_data", "follow_ups": len(data["follow_ups"])},
        message=_("Personal data export"),
    )
    return data


def _scrub_text(text: str, secrets: list[str], placeholder: str) -> str:
    for secret in secrets:
        text = text.replace(secret, placeholder)
    return text


def _scrub_value(value: Any, secrets: list[str], placeholder: str) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, secrets, placeholder)
    if isinstance(value, list):
        return [_scrub_value(item, secrets, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_value(item, secrets, placeholder) for key, item in value.items()}
    return value


def _scrub_audit_trail(contact: Contact, activity_ids: list[int], secrets: list[str], placeholder: str) -> int:
    """Removes the person's values from the audit rows of the contact and of its follow-ups: every personal
    field's old/new value becomes a mark (the trail still says *that* it changed), and any other text loses the
    erased strings. Returns the number of rows rewritten."""
    contact_type = ContentType.objects.get_for_model(Contact)
    activity_type = ContentType.objects.get_for_model(Activity)
    events = list(AuditEvent.objects.filter(content_type=contact_type, object_id=str(contact.pk)))
    if activity_ids:
        events += list(
            AuditEvent.objects.filter(content_type=activity_type, object_id__in=[str(pk) for pk in activity_ids])
        )
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        scrubbed = {}
        for key, value in changes.items():
            personal = (event.content_type_id == contact_type.id and key in ERASED_FIELDS) or (
                event.content_type_id == activity_type.id and key == "contact"
            )
            if personal and isinstance(value, list):
                scrubbed[key] = [None if item in (None, "") else _ERASED_MARK for item in value]
            else:
                scrubbed[key] = _scrub_value(value, secrets, placeholder)
        event.changes = scrubbed
        event.object_repr = (
            placeholder
            if event.content_type_id == contact_type.id
            else _scrub_text(event.object_repr, secrets, placeholder)
        )
        event.message = _scrub_text(event.message, secrets, placeholder)
    AuditEvent.objects.bulk_update(events, ["changes", "object_repr", "message"], batch_size=500)
    return len(events)


def _scrub_reminders(contact: Contact, secrets: list[str], placeholder: str) -> None:
    """Follow-up reminders and notifications about the customer repeat a follow-up's subject: drop the
    person's values from them too."""
    url = contact.customer.get_absolute_url()
    for model in (Reminder, Notification):
        rows = list(model.objects.filter(url=url))
        for row in rows:
            row.title = _scrub_text(row.title, secrets, placeholder)[:200]
            row.body = _scrub_text(row.body, secrets, placeholder)
        model.objects.bulk_update(rows, ["title", "body"], batch_size=500)


@transaction.atomic
def erase_contact(*, actor: User, contact: Contact) -> Contact:
    """Anonymises one person on request; needs customers.delete.

    The name becomes a placeholder in the actor's language; mobile, e-mail, ID number, birthday, title,
    gender and remark are cleared with their blind indexes (so a search by the old number finds nothing);
    consent is withdrawn; erased_at is set. The row and its follow-ups stay (counts and reports still add
    up), but the follow-ups' text and the audit trail lose the person's values. An ERASE row records who
    erased whom and when, without the data.
    """
    if not actor.has_module_perm("customers", "delete"):
        raise DomainError(_("Erasing personal data needs the right to delete customers."), code="permission_denied")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.erased_at is not None:
        raise DomainError(_("This person's data has already been erased."), code="already_erased")
    placeholder = _("Erased contact")
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
    activities = list(Activity.objects.filter(contact=contact))
    for activity in activities:
        activity.subject = _scrub_text(activity.subject, secrets, placeholder)[:200]
        activity.content = _scrub_text(activity.content, secrets, placeholder)
    Activity.objects.bulk_update(activities, ["subject", "content"], batch_size=500)
    scrubbed = _scrub_audit_trail(contact, [a.pk for a in activities], secrets, placeholder)
    _scrub_reminders(contact, secrets, placeholder)

    contact.name = placeholder
    contact.title = contact.gender = contact.mobile = contact.email = contact.id_number = ""
    contact.remark = contact.consent_source = ""
    contact.birthday = contact.consent_at = None
    contact.consent_given = False
    contact.erased_at = timezone.now()
    contact.save()  # recomputes the blind indexes and search text from the now empty values
    audit.record_event(
        actor=actor,
        action=AuditEvent.Action.ERASE,
        instance=contact,
        changes={"fields": list(ERASED_FIELDS), "follow_ups": len(activities), "audit_rows_scrubbed": scrubbed},
        message=_("Personal data erased on request"),
    )
    return contact
