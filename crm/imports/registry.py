"""What can be imported. An app offers its records for import by registering an ``Importer`` in its
``importers.py`` (found by ImportsConfig.ready()); the upload, mapping, preview, job and report are shared."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from crm.accounts.models import User

# Progress callback: rows done so far.
Progress = Callable[[int], None]


def _none(done: int) -> None:
    pass


@dataclass(frozen=True)
class ImportField:
    """A field a column can be mapped to. ``aliases`` are headings that mean it (Chinese and English, any case),
    used to guess the mapping of a file seen for the first time."""

    key: str
    label: Promise | str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help_text: Promise | str = ""


@dataclass
class SourceRow:
    """One data row: its number as the user sees it in the file, its cells, and the raw text per mapped field."""

    number: int
    cells: list[str]
    values: dict[str, str]


@dataclass
class RowOutcome:
    """What happens to one row that is not a plain creation: an error, or a duplicate and what the policy does.

    ``action`` is ``error``, ``skip``, ``update`` or ``create``.
    """

    row: int
    action: str
    messages: list[str] = field(default_factory=list)
    duplicate_of: str = ""
    duplicate_url: str = ""
    cells: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "action": self.action,
            "messages": self.messages,
            "duplicate_of": self.duplicate_of,
            "duplicate_url": self.duplicate_url,
            "cells": self.cells,
        }


@dataclass
class Analysis:
    """The dry run of a file: per-row outcomes worth showing, counts, and the importer's own plan for write()."""

    total: int
    outcomes: list[RowOutcome]
    to_create: int
    to_update: int
    plan: Any = None
    # What the run needs to write this analysis without checking every row again (JSON; see Importer.recheck).
    saved: dict[str, Any] | None = None

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.action == "error")

    @property
    def duplicates(self) -> int:
        return sum(1 for o in self.outcomes if o.duplicate_of)

    @property
    def skipped(self) -> int:
        return sum(1 for o in self.outcomes if o.action == "skip")


@dataclass
class WriteResult:
    created: int
    updated: int
    # Rows the write itself had to skip after all (e.g. a record changed hands since the preview).
    skipped: list[RowOutcome] = field(default_factory=list)


@dataclass
class StepDone:
    """What one step of a write did: its rows (for progress), its share of the result, and what undoes it (JSON,
    handed back to Importer.undo() if a later step fails)."""

    rows: int
    result: WriteResult
    undo: dict[str, Any] = field(default_factory=dict)


# A step of a write: called by the job inside a transaction of its own.
WriteStep = Callable[[], StepDone]


class Importer:
    """Base class of an entity's importer. Subclasses set the attributes and implement analyse() and write().

    analyse() validates and looks for duplicates without changing anything; write() is called inside one
    transaction with the analysis of the same rows and writes every row the analysis accepted.
    """

    entity: str = ""
    label: Promise | str = ""
    module: str = ""  # permission module: importing needs ``<module>.import``
    fields: tuple[ImportField, ...] = ()
    list_url_name: str = ""

    def field_map(self) -> dict[str, ImportField]:
        return {f.key: f for f in self.fields}

    def analyse(self, *, actor: User, rows: list[SourceRow], policy: str, progress: Progress) -> Analysis:
        raise NotImplementedError

    def write(self, *, actor: User, analysis: Analysis, progress: Progress) -> WriteResult:
        raise NotImplementedError

    def write_steps(self, *, actor: User, analysis: Analysis) -> Iterator[WriteStep]:
        """The write as a series of steps, each run by the job in a short transaction of its own, so that other
        users' writes never wait for a whole file. An importer that splits its write also implements undo().
        By default: one step, write() in one transaction (which a failure rolls back)."""
        yield lambda: StepDone(rows=analysis.total, result=self.write(actor=actor, analysis=analysis, progress=_none))

    def undo(self, *, actor: User, undo: dict[str, Any]) -> None:
        """Takes back what one committed step wrote (its StepDone.undo), inside a transaction of its own."""

    def recheck(
        self, *, actor: User, saved: dict[str, Any], policy: str, issues: list[dict], progress: Progress
    ) -> Analysis | None:
        """The analysis for the run, from what the preview saved (``Analysis.saved``) and its stored issues, with
        only what may have changed since checked again; None when the whole file must be checked again."""
        return None


_importers: dict[str, Importer] = {}


def register_importer(importer: Importer) -> Importer:
    _importers[importer.entity] = importer
    return importer


def get_importer(entity: str) -> Importer | None:
    return _importers.get(entity)


def importers_for(user: User) -> list[Importer]:
    """The importers whose module the user may import into."""
    return [i for i in _importers.values() if user.has_module_perm(i.module, "import")]


def guess_mapping(importer: Importer, headers: list[str]) -> dict[str, str]:
    """{heading: field key} for headings that name a field (its key, label or an alias); each field once."""
    names: dict[str, str] = {}
    for f in importer.fields:
        for name in (f.key, str(f.label), *f.aliases):
            names.setdefault(_squash(name), f.key)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for heading in headers:
        key = names.get(_squash(heading))
        if key and key not in used:
            mapping[heading] = key
            used.add(key)
    return mapping


def _squash(text: str) -> str:
    """A heading as compared: lower case without spaces, punctuation or a trailing required-star."""
    return "".join(ch for ch in str(text).lower() if ch.isalnum())
