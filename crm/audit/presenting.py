"""The audit trail as a person reads it: field labels, dictionary labels and names instead of codes and logins,
one-line summaries of imports, exports and merges, a link to the record when the reader may open it.

Rows are kept as they were written (``AuditEvent.changes``: ``{field: [before, after]}`` for changes, free-form
details otherwise, see the writers in services.py and the modules); everything here happens at render time, in
the reader's language, so a label renamed later or a person who got a name since reads as they are today.

A page is presented in two passes over the same code: the first (``_Wanted``) only notes which people and
records the page refers to, the second (``_Found``) answers from what one query per kind fetched. So a page of
50 events costs the same few queries whatever it holds, and the walk over an event is written once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from crm.audit.models import AuditEvent
from crm.system.dictionaries import DictionaryCodeValidator, dictionary_label

EMPTY = "—"
# Longer values are cut short on the page; the full text stays one click away (<details>).
SHORT = 80
# Change rows shown at once; the rest of a long one (a record's creation lists every filled-in field) folds away.
ROWS_SHOWN = 6
DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "Y-m-d"


@dataclass(frozen=True)
class Shown:
    """A value as the viewer prints it: ``text``, cut short when ``full`` is longer."""

    text: str
    full: str = ""
    empty: bool = False

    @property
    def truncated(self) -> bool:
        return bool(self.full) and self.full != self.text


@dataclass(frozen=True)
class Row:
    """One line of an event's details: a field changed from ``before`` to ``after``, or (``before`` None) a
    value the event set or reports."""

    label: str
    after: Shown
    before: Shown | None = None

    def as_text(self) -> str:
        """"Lifecycle stage: Lead → Customer" as plain text (a timeline entry's line), as the viewer prints it."""
        change = f"{self.before.text} → {self.after.text}" if self.before is not None else self.after.text
        return f"{self.label}{pgettext('label separator', ':')} {change}"


@dataclass
class EventView:
    event: AuditEvent
    actor: str
    # The login behind the name, when the name is not the login (a tooltip for whoever searches by it).
    actor_login: str
    action: str
    record_type: str
    record: str
    url: str
    summary: str
    rows: list[Row] = field(default_factory=list)
    more_rows: list[Row] = field(default_factory=list)
    message: str = ""

    @property
    def ip_address(self) -> str | None:
        # Empty for events written outside a web request: the nightly pool rule, an import run by the task
        # worker, a management command. The request middleware is what knows the address (crm.core
        # .request_context); nothing else could give a true one, so the page says "—" rather than guess.
        return self.event.ip_address


def _shown(text: str, *, empty: bool = False) -> Shown:
    if len(text) <= SHORT:
        return Shown(text, text, empty)
    return Shown(text[: SHORT - 1].rstrip() + "…", text, empty)


def _join(items: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(items)


def _humanise(key: str) -> str:
    """A key no model names (a field since removed, a module's own detail): readable, if not translated."""
    return str(key).replace("_", " ").strip().capitalize() or str(key)


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | models.ForeignObjectRel | None:
    if model is None or not isinstance(name, str):
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _in_field_order(model: type[models.Model] | None, values: dict[str, Any]) -> list[tuple[str, Any]]:
    """``values``' items in the order the model declares its fields, the record's own values before its
    relations (owner, department: inherited, so declared first), names it does not know last, by name. The stored
    JSON's own order is no order: PostgreSQL's jsonb keeps keys sorted by length, SQLite as written."""
    fields = model._meta.get_fields() if model is not None else []
    declared = {field.name: (field.is_relation, i) for i, field in enumerate(fields)}
    unknown = (True, len(declared))
    return sorted(values.items(), key=lambda item: (declared.get(item[0], unknown), str(item[0])))


def _label(model: type[models.Model] | None, name: str) -> str:
    found = _field(model, name)
    if isinstance(found, models.Field):
        return capfirst(str(found.verbose_name))
    if found is not None:  # a reverse relation (a greeting day's plans): the other side's plural name
        return capfirst(str(found.related_model._meta.verbose_name_plural))
    if name == "username":  # a detail naming a person by login (an unlocked sign-in)
        return capfirst(str(get_user_model()._meta.verbose_name))
    return _humanise(name)


def _dictionary_kind(found: models.Field | models.ForeignObjectRel | None) -> str:
    for validator in getattr(found, "validators", ()):
        if isinstance(validator, DictionaryCodeValidator):
            return validator.kind
    return ""


def _is_person(found: models.Field | models.ForeignObjectRel | None) -> bool:
    return found is not None and found.is_relation and found.related_model is get_user_model()


class _Lookups:
    """The people and records a page refers to. This base class is the first pass: it notes what is asked and
    answers with the stored text."""

    def __init__(self) -> None:
        self.people: set[str] = set()
        self.logins: set[str] = set()
        self.references: dict[type[models.Model], set[str]] = defaultdict(set)
        self.records: dict[type[models.Model], set[str]] = defaultdict(set)

    def person(self, value: str) -> str:
        """A person as the trail stored them (str(User): the name, or the login of someone without one)."""
        self.people.add(value)
        return value

    def login(self, username: str) -> str:
        """A person known by their login (a failed sign-in's user name, an unlocked one)."""
        self.logins.add(username)
        return username

    def reference(self, model: type[models.Model], pk: str) -> str:
        """A record by its primary key (an export's "owner = 7")."""
        self.references[model].add(pk)
        return pk

    def record_url(self, model: type[models.Model], object_id: str) -> str:
        self.records[model].add(object_id)
        return ""


def _keys(model: type[models.Model], values: Iterable[str]) -> list[Any]:
    """The values that can be a primary key of ``model``: a stored id of another type must not fail the page."""
    keys = []
    for value in values:
        try:
            keys.append(model._meta.pk.to_python(value))
        except (ValidationError, TypeError, ValueError):
            continue
    return keys


def _visible(model: type[models.Model], reader) -> models.QuerySet | None:
    """The records of ``model`` the reader may see, or None when the model has no data-scope rule: then the
    page cannot tell whether the reader may open one, and shows no link to it."""
    queryset = model._default_manager.all()
    visible_to = getattr(queryset, "visible_to", None)
    return visible_to(reader) if callable(visible_to) else None


class _Found(_Lookups):
    """The second pass: answers from what was fetched, one query per kind of thing the first pass noted."""

    def __init__(self, wanted: _Lookups, reader) -> None:
        super().__init__()
        User = get_user_model()
        self._names: set[str] = set()
        self._by_login: dict[str, str] = {}
        self._refs: dict[tuple[type[models.Model], str], str] = {}
        self._urls: dict[tuple[type[models.Model], str], str] = {}
        user_pks = _keys(User, wanted.references.pop(User, set()))
        if wanted.people or wanted.logins or user_pks:
            query = Q(username__in=wanted.people | wanted.logins) | Q(name__in=wanted.people) | Q(pk__in=user_pks)
            for pk, username, name in User.objects.filter(query).values_list("pk", "username", "name"):
                if name:
                    self._names.add(name)
                self._by_login[username] = name or username
                self._refs[(User, str(pk))] = name or username
        for model, pks in wanted.references.items():
            queryset = _visible(model, reader)
            queryset = model._default_manager.all() if queryset is None else queryset
            for record in queryset.filter(pk__in=_keys(model, pks)):
                self._refs[(model, str(record.pk))] = str(record)
        for model, ids in wanted.records.items():
            queryset = _visible(model, reader)
            if queryset is None or not hasattr(model, "get_absolute_url"):
                continue
            for record in queryset.filter(pk__in=_keys(model, ids)):
                self._urls[(model, str(record.pk))] = record.get_absolute_url()

    def person(self, value: str) -> str:
        # A stored name is shown as it is; a login (someone who had no name when the event was written, or who
        # got one since) becomes the person's name today.
        if value in self._names:
            return value
        return self._by_login.get(value, value)

    def login(self, username: str) -> str:
        return self._by_login.get(username, username)

    def reference(self, model: type[models.Model], pk: str) -> str:
        return self._refs.get((model, str(pk)), str(pk))

    def record_url(self, model: type[models.Model], object_id: str) -> str:
        return self._urls.get((model, object_id), "")


class _Presenter:
    def __init__(self, lookups: _Lookups) -> None:
        self.lookups = lookups

    # --- values ---------------------------------------------------------------------------------------------

    def text(self, found: models.Field | models.ForeignObjectRel | None, value: Any) -> str:
        """The words for one stored value of a field (``found`` None: a value no field describes)."""
        if value is None or value == "" or value == [] or value == {}:
            return ""
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, list):
            return _join(filter(None, (self.text(found, item) for item in value)))
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        value_text = str(value)
        if _is_person(found):
            return self.lookups.person(value_text)
        if kind := _dictionary_kind(found):
            return dictionary_label(kind, value_text)
        if isinstance(found, models.Field):
            if found.choices:
                return str(dict(found.flatchoices).get(value, value_text))
            if isinstance(found, models.DateTimeField):
                return _datetime(value_text)
            if isinstance(found, models.DateField):
                parsed = parse_date(value_text[:10]) if isinstance(value, str) else None
                return format_date(parsed, DATE_FORMAT) if parsed else value_text
        return value_text

    def shown(self, found, value: Any) -> Shown:
        words = self.text(found, value)
        return _shown(words) if words else Shown(EMPTY, EMPTY, empty=True)

    # --- events ---------------------------------------------------------------------------------------------

    def present(self, event: AuditEvent) -> EventView:
        model = event.content_type.model_class() if event.content_type_id and event.content_type else None
        summary, rows = self.details(event, model)
        view = EventView(
            event=event,
            actor=self.actor(event),
            actor_login=event.actor_name,
            action=event.get_action_display(),
            record_type=capfirst(str(model._meta.verbose_name)) if model else "",
            record=event.object_repr,
            url=self.lookups.record_url(model, event.object_id) if model and event.object_id else "",
            summary=summary,
            rows=rows[:ROWS_SHOWN],
            more_rows=rows[ROWS_SHOWN:],
            message=_message(event, summary),
        )
        if view.actor_login == view.actor:
            view.actor_login = ""
        return view

    def actor(self, event: AuditEvent) -> str:
        if event.actor is not None:
            return str(event.actor)
        if event.actor_name:  # a deleted user, or a failed sign-in's typed name
            return self.lookups.login(event.actor_name)
        return _("System")  # a scheduled job (the pool rule returning customers) acts as nobody

    def details(self, event: AuditEvent, model: type[models.Model] | None) -> tuple[str, list[Row]]:
        changes = event.changes
        if not isinstance(changes, dict):
            # Written by hand or by an old version: shown whole, never iterated character by character.
            return "", [Row(_("Details"), self.shown(None, changes))] if changes not in (None, "", []) else []
        if event.action == AuditEvent.Action.IMPORT:
            return self.import_summary(changes), []
        if event.action == AuditEvent.Action.EXPORT:
            return self.export_summary(changes)
        if event.action == AuditEvent.Action.MERGE:
            return self.merge_summary(changes, model)
        if event.action == AuditEvent.Action.ERASE:
            return self.erase_summary(changes, model)
        if event.action == AuditEvent.Action.UNMASK:
            names = [_label(model, name) for name in str(changes.get("field", "")).split(",") if name]
            return _("Viewed unmasked: %(fields)s") % {"fields": _join(names)}, []
        return "", self.rows(changes, model, creation=event.action == AuditEvent.Action.CREATE)

    def rows(self, changes: dict[str, Any], model: type[models.Model] | None, *, creation: bool = False) -> list[Row]:
        rows: list[tuple[bool, Row]] = []  # (after the record's own values?, row)
        for name, change in _in_field_order(model, changes):
            found = _field(model, name)
            if creation and isinstance(found, models.Field) and found.primary_key:
                continue  # the record's id: the record column names it already
            label = _label(model, name)
            # A new record's own values (number, name…) come first; who owns and made it, which models inherit
            # and so list first, after them.
            later = creation and found is not None and found.is_relation
            if name == "username" and found is None and isinstance(change, str):
                rows.append((later, Row(label, _shown(self.lookups.login(change)))))
            elif isinstance(change, list) and len(change) == 2:
                before, after = change
                before_shown = None if creation else self.shown(found, before)
                rows.append((later, Row(label, self.shown(found, after), before_shown)))
            else:  # a detail, not a diff
                rows.append((later, Row(label, self.shown(found, change))))
        return [row for _later, row in sorted(rows, key=lambda entry: entry[0])]

    # --- the events that are no field diff -------------------------------------------------------------------

    def import_summary(self, changes: dict[str, Any]) -> str:
        rows = _count(changes.get("rows"))
        summary = ngettext(
            "Imported %(count)s row into %(what)s: %(created)s new, %(updated)s updated, %(skipped)s skipped.",
            "Imported %(count)s rows into %(what)s: %(created)s new, %(updated)s updated, %(skipped)s skipped.",
            rows,
        ) % {
            "count": f"{rows:,}",
            "what": _import_entity(str(changes.get("entity", ""))),
            "created": f"{_count(changes.get('created')):,}",
            "updated": f"{_count(changes.get('updated')):,}",
            "skipped": f"{_count(changes.get('skipped')):,}",
        }
        if errors := _count(changes.get("errors")):
            summary += " " + ngettext("%(count)s row had errors.", "%(count)s rows had errors.", errors) % {
                "count": f"{errors:,}"}
        return summary

    def export_summary(self, changes: dict[str, Any]) -> tuple[str, list[Row]]:
        if changes.get("kind") == "personal_data":  # one person's data, as the right of access hands it out
            sections = [_humanise(s) for s in changes.get("sections") or [] if isinstance(s, str)]
            summary = _("Exported this person's data (%(format)s): %(sections)s") % {
                "format": str(changes.get("format", "")).upper(), "sections": _join(sections)}
            return summary, []
        model = _model(str(changes.get("model", "")))
        count = _count(changes.get("count"))
        what = str(model._meta.verbose_name_plural) if model else str(changes.get("model", ""))
        summary = ngettext("Exported %(count)s row of %(what)s", "Exported %(count)s rows of %(what)s", count) % {
            "count": f"{count:,}", "what": what}
        filters = dict(changes.get("filters") or {}) if isinstance(changes.get("filters"), dict) else {}
        notes = []
        if file_format := filters.pop("format", ""):
            notes.append(str(file_format).upper())
        if filters.pop("unmasked", None) is True:
            notes.append(_("sensitive values unmasked"))
        if filters:
            notes.append(_("filters: %(filters)s") % {"filters": self.filters(filters, model)})
        else:
            notes.append(_("no filters"))
        return _("%(summary)s (%(notes)s)") % {"summary": summary, "notes": pgettext("list separator", "; ").join(
            notes)}, []

    def filters(self, filters: dict[str, Any], model: type[models.Model] | None) -> str:
        """"Industry = Finance, Owner = 张伟": a list's query parameters named by the model's fields."""
        parts = []
        for name, value in _in_field_order(model, filters):
            found = _field(model, name)
            label = _("Search") if name == "q" else _label(model, name)
            values = value if isinstance(value, list) else [value]
            if found is not None and found.is_relation and found.related_model is not None:
                words = _join(self.lookups.reference(found.related_model, str(v)) for v in values)
            else:
                words = self.text(found, values)
            parts.append(f"{label} = {words}")
        return _join(parts)

    def merge_summary(self, changes: dict[str, Any], model: type[models.Model] | None) -> tuple[str, list[Row]]:
        rows = []
        if (moved := changes.get("moved")) and isinstance(moved, dict):
            rows.append(Row(_("Moved"), _shown(_join(f"{_moved_label(key)} {n}" for key, n in moved.items()))))
        if isinstance(fields := changes.get("fields"), dict):
            rows += self.rows(fields, model)
        for code, result in (changes.get("hooks") or {}).items() if isinstance(changes.get("hooks"), dict) else ():
            rows.append(Row(_humanise(code), self.shown(None, result)))
        if isinstance(into := changes.get("merged_into"), dict):  # this record was merged away
            return _("Merged into %(name)s.") % {"name": into.get("name", "")}, rows
        merged = [item for item in changes.get("merged") or [] if isinstance(item, dict)]
        # The plural is the record type's own ("customers"), so one sentence serves every count.
        if model is None:
            what = _("records")
        else:
            what = str(model._meta.verbose_name if len(merged) == 1 else model._meta.verbose_name_plural)
        summary = _("Merged %(count)s %(what)s into this one: %(names)s") % {
            "count": len(merged), "what": what, "names": _join(str(m.get("name", "")) for m in merged)}
        return summary, rows

    def erase_summary(self, changes: dict[str, Any], model: type[models.Model] | None) -> tuple[str, list[Row]]:
        fields = [_label(model, name) for name in changes.get("fields") or [] if isinstance(name, str)]
        rows = [Row(_humanise(key), _shown(str(value))) for key, value in changes.items() if key != "fields"]
        return _("Erased personal data: %(fields)s") % {"fields": _join(fields)}, rows


def _message(event: AuditEvent, summary: str) -> str:
    """The writer's message, unless the page says it already: a summary says what an import's "客户: file.xlsx"
    said, in today's words; an unlocked sign-in's message is the login its details name."""
    if summary or not event.message:
        return ""
    changes = event.changes if isinstance(event.changes, dict) else {}
    return "" if event.message in {v for v in changes.values() if isinstance(v, str)} else event.message


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _datetime(value: str) -> str:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        return value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return format_date(parsed, DATETIME_FORMAT)


def _import_entity(entity: str) -> str:
    """What an import brought in ("customers"), as its importer calls it today."""
    from crm.imports.registry import get_importer

    importer = get_importer(entity)
    return str(importer.label) if importer else entity


def _moved_label(key: str) -> str:
    """A ``moved`` key of a merge: "app_label.model" (that model's records) or "app_label.model.field" (a
    many-to-many field's links)."""
    parts = str(key).split(".")
    model = _model(".".join(parts[:2]))
    if model is None:
        return str(key)
    if len(parts) == 3:
        return _label(model, parts[2])
    return str(model._meta.verbose_name_plural)


def present_events(events: Sequence[AuditEvent], reader) -> list[EventView]:
    """The events of one page as ``reader`` reads them (the events with ``actor`` and ``content_type`` joined)."""
    wanted = _Lookups()
    first = _Presenter(wanted)
    for event in events:
        first.present(event)
    second = _Presenter(_Found(wanted, reader))
    return [second.present(event) for event in events]

