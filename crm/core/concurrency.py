"""No lost update: versions for optimistic checks, row locks for the read-modify-write, set changes for
many-to-many fields ([ADR 8](../../docs/adr/0008-no-lost-update.md)).

- ``VersionedModel`` gives a model a ``version`` counter that every save of an existing row moves on. The API
  shows it (``version`` and the ``ETag`` of a detail answer); a client sends it back (``If-Match``, or
  ``version`` in the body) and the HTML edit forms carry it hidden, so a write based on what someone else has
  changed since is refused (``check_version`` → ``StaleVersionError``) instead of silently undoing it.
- ``lock_for_update`` re-reads a record under a row lock inside the caller's transaction: an update service
  reads what it changes (and what its audit row calls "from") after every earlier writer has committed, and no
  later writer reads before it commits. PostgreSQL: ``SELECT … FOR NO KEY UPDATE``. SQLite, which has no row
  locks: the transaction itself takes the database's write lock at ``BEGIN IMMEDIATE`` (the project's setting),
  before the read.
- ``SetChange`` says "add these, remove those" for a many-to-many field, applied by ``apply_set_change`` as
  inserts and deletes of the pairs, so an addition never rewrites the whole set from an old read of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connections, models, router
from django.db.models import F
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.errors import DomainError

VERSION_FIELD = "version"


class VersionedModel(models.Model):
    """A record users edit: ``version`` counts its saved states (1 when created).

    Every ``save()`` of an existing row moves it on by one in the database (``version = version + 1``, so two
    saves never give the same number even without a lock). Writes that bypass ``save()`` (``QuerySet.update``)
    and change what a user edits should move it too: ``update(..., **bump_version())``."""

    version = models.PositiveIntegerField(gettext_lazy("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding or self.pk is None:
            super().save(*args, **kwargs)
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, VERSION_FIELD}
        previous = self.version
        self.version = F(VERSION_FIELD) + 1  # an expression until read back below
        try:
            super().save(*args, **kwargs)
        except BaseException:
            self.version = previous
            raise
        self.refresh_from_db(fields=[VERSION_FIELD])


def bump_version() -> dict[str, Any]:
    """The keyword of a ``QuerySet.update()`` that moves the version of every row it changes."""
    return {VERSION_FIELD: F(VERSION_FIELD) + 1}


def is_versioned(model: type[models.Model] | models.Model) -> bool:
    return isinstance(model, VersionedModel) or (isinstance(model, type) and issubclass(model, VersionedModel))


class StaleVersionError(DomainError):
    """The write was based on a version of the record that is no longer the current one."""

    def __init__(self, current: int, message: str | None = None):
        super().__init__(message or stale_message(), code="stale")
        self.current = current


def stale_message() -> str:
    return _("Someone else changed this record after you opened it. Reload it to see their change, "
             "then make yours again.")


M = TypeVar("M", bound=models.Model)


def lock_for_update(instance: M) -> M:
    """Re-reads ``instance`` in place under a lock held until the caller's transaction ends, and returns it.

    Call it first thing in an update service (it is cheap to call twice). Needs a transaction: a lock outside one
    would end with the statement. Cached relations and prefetched sets are dropped, so what the service reads
    next is current too."""
    model = type(instance)
    using = instance._state.db or router.db_for_write(model, instance=instance)
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_for_update() needs a transaction (transaction.atomic).")
    rows = model._base_manager.db_manager(using)
    if connection.features.has_select_for_update:
        # NO KEY: the key does not change, so rows that point to this one (follow-ups, contacts) may still be
        # added meanwhile; two updates of the record queue behind each other.
        no_key = connection.features.has_select_for_no_key_update
        instance.refresh_from_db(using=using, from_queryset=rows.select_for_update(no_key=no_key))
        return instance
    if connection.vendor == "sqlite" and getattr(connection, "transaction_mode", None) not in ("IMMEDIATE",
                                                                                             "EXCLUSIVE"):
        # A deferred transaction would read first and take the write lock only at its first write: take it now.
        rows.filter(pk=instance.pk).update(pk=F("pk"))
    instance.refresh_from_db(using=using)
    return instance


def check_version(instance: models.Model, expected: int | None) -> None:
    """Refuses with ``StaleVersionError`` when the caller based its write on another version (None: no check).
    ``instance`` must be the locked, current row (``lock_for_update``)."""
    if expected is None or not is_versioned(instance):
        return
    current = instance.version  # type: ignore[attr-defined]
    if expected != current:
        raise StaleVersionError(current)


def parse_version(value: Any) -> int | None:
    """A version a client sent (form field, JSON body): None when absent; ValueError when it is no version."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            raise ValueError(value)
        number = int(text)
    if number < 1:
        raise ValueError(value)
    return number


def etag(instance: models.Model) -> str:
    """The entity tag of a versioned record: its version, quoted (``"3"``)."""
    return f'"{instance.version}"'  # type: ignore[attr-defined]


_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')


def if_match_allows(header: str, instance: models.Model) -> bool:
    """Whether an ``If-Match`` header names the record's current version (``*`` always does). Weak tags
    (``W/"3"``) are compared by their version as well: the tag names the record's state, not a byte stream."""
    header = header.strip()
    if header == "*":
        return True
    current = str(instance.version)  # type: ignore[attr-defined]
    return any(match and match.group(1) == current
               for match in (_ENTITY_TAG.fullmatch(part) for part in header.split(",")))


@dataclass(frozen=True)
class SetChange:
    """A change of a many-to-many set that needs no knowledge of the rest of it: add these, remove those.

    Services accept it wherever they accept the whole set (a list replaces the set, computed under the record's
    lock; a SetChange adds and removes only what it names, so concurrent additions all stay)."""

    add: tuple[Any, ...] = field(default=())
    remove: tuple[Any, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def apply_set_change(manager: Any, value: SetChange | Iterable[Any]) -> None:
    """Applies a SetChange (inserts and deletes of pairs) or a whole list (``set()``) to a related manager."""
    if isinstance(value, SetChange):
        if value.remove:
            manager.remove(*value.remove)
        if value.add:
            manager.add(*value.add)
        return
    manager.set(list(value))
