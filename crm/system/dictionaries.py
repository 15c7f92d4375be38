"""Which dictionaries exist, and reading them. Modules register their own kinds in AppConfig.ready()."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KINDS: dict[str, Promise | str] = {
    "customer_type": _("Customer types"),
    "industry": _("Industries"),
    "source": _("Sources"),
    "customer_level": _("Customer levels"),
    "lifecycle_stage": _("Lifecycle stages"),
    "follow_up_type": _("Follow-up types"),
    "opportunity_stage": _("Opportunity stages"),
    "loss_reason": _("Loss reasons"),
    "release_reason": _("Pool release reasons"),
    "ticket_category": _("Ticket categories"),
}


def register_kind(code: str, label: Promise | str) -> None:
    KINDS[code] = label


def dictionary_choices(kind: str, include_inactive: bool = False) -> list[tuple[str, str]]:
    """[(code, label in the active language)] of one dictionary, in the admin's order."""
    from crm.system.models import DictionaryItem

    items = DictionaryItem.objects.filter(kind=kind)
    if not include_inactive:
        items = items.filter(is_active=True)
    return [(item.code, item.label) for item in items]


def dictionary_label(kind: str, code: str) -> str:
    """The label of a code; inactive items still read well on old records, unknown codes show as they are."""
    from crm.system.models import DictionaryItem

    item = DictionaryItem.objects.filter(kind=kind, code=code).first()
    return item.label if item else code


def validate_dictionary_code(kind: str):
    """A field validator: the value must be an active code of ``kind`` (empty passes; use blank=False to require)."""

    def validate(value: str) -> None:
        from crm.system.models import DictionaryItem

        if value and not DictionaryItem.objects.filter(kind=kind, code=value, is_active=True).exists():
            raise ValidationError(_("“%(value)s” is not in the %(kind)s list."),
                                  params={"value": value, "kind": KINDS.get(kind, kind)}, code="unknown_code")

    return validate
