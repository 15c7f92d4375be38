"""Admin changes to dictionaries, settings and holidays, each audited."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

from crm.accounts.models import User
from crm.audit import services as audit
from crm.system.dictionaries import forget_labels
from crm.system.models import DictionaryItem, Holiday, SystemSettings


@transaction.atomic
def create_dictionary_item(*, actor: User, data: dict[str, Any]) -> DictionaryItem:
    item = audit.save_with_audit(actor=actor, instance=DictionaryItem(), data=data)
    forget_labels(item.kind)
    return item


@transaction.atomic
def update_dictionary_item(*, actor: User, item: DictionaryItem, data: dict[str, Any]) -> DictionaryItem:
    """Items are deactivated, never deleted, so old records keep their labels."""
    audit.save_with_audit(actor=actor, instance=item, data=data)
    forget_labels(item.kind)
    return item


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
