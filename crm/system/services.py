"""Admin changes to dictionaries, settings, holidays and number formats, each audited."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

from crm.accounts.models import User
from crm.audit import services as audit
from crm.system.dictionaries import forget_labels
from crm.system.models import DictionaryItem, Holiday, NumberSequence, SystemSettings
from crm.system.numbering import sequence_row


@transaction.atomic
def create_dictionary_item(*, actor: User, data: dict[str, Any]) -> DictionaryItem:
    item = audit.save_with_audit(actor=actor, instance=DictionaryItem(), data=data)
    _forget_labels_now_and_at_commit(item.kind)
    return item


@transaction.atomic
def update_dictionary_item(*, actor: User, item: DictionaryItem, data: dict[str, Any]) -> DictionaryItem:
    """Items are deactivated, never deleted, so old records keep their labels."""
    audit.save_with_audit(actor=actor, instance=item, data=data)
    _forget_labels_now_and_at_commit(item.kind)
    return item


def _forget_labels_now_and_at_commit(kind: str) -> None:
    """A request reading the picklist before this transaction commits caches the old labels again: forget
    them once more when the change is visible to everyone."""
    forget_labels(kind)
    transaction.on_commit(lambda: forget_labels(kind))


@transaction.atomic
def update_settings(*, actor: User, data: dict[str, Any]) -> SystemSettings:
    settings = SystemSettings.objects.get(pk=SystemSettings.current().pk)
    audit.save_with_audit(actor=actor, instance=settings, data=data)
    cache.delete(SystemSettings.CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SystemSettings.CACHE_KEY))  # and again, for readers meanwhile
    return settings


@transaction.atomic
def save_holiday(*, actor: User, data: dict[str, Any], holiday: Holiday | None = None) -> Holiday:
    return audit.save_with_audit(actor=actor, instance=holiday or Holiday(), data=data)


@transaction.atomic
def delete_holiday(*, actor: User, holiday: Holiday) -> None:
    audit.record_delete(actor=actor, instance=holiday)
    holiday.delete()


SEQUENCE_FORMAT_FIELDS = ("prefix", "date_part", "separator", "padding", "reset")


@transaction.atomic
def update_number_sequence(*, actor: User, code: str, data: dict[str, Any]) -> NumberSequence:
    """Changes a sequence's format; its period and counter go on (numbers already used are skipped when taken).

    Only the format columns are written, from a locked fresh row: a number taken meanwhile keeps its counter."""
    sequence_row(code)
    sequence = NumberSequence.objects.select_for_update().get(code=code)
    before = audit.snapshot(sequence)
    for name in SEQUENCE_FORMAT_FIELDS:
        if name in data:
            setattr(sequence, name, data[name])
    sequence.full_clean()
    sequence.save(update_fields=[*SEQUENCE_FORMAT_FIELDS, "updated_at"])
    audit.record_update(actor=actor, instance=sequence, before=before)
    return sequence
