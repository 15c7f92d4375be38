"""Export of any filtered list to CSV or Excel (XLSX): streamed, in the caller's scope, masked, audited.

A module declares once what its export holds (an ``ExportSpec`` and its ``Column``s). Its page and its API hand
``export_response`` a queryset that is already scoped (``visible_to(user, "export")``) and filtered by the list's
own FilterSet, so the file holds exactly the rows the user's list shows, and this module does the rest:

- ``<module>.export`` is required (PermissionDenied otherwise, whatever door the request came in by);
- a column over a field the user's roles deny reading is left out;
- sensitive values (contact mobiles, e-mails) are masked unless the user has ``<module>.unmask``;
- one audit event (``record_export``: model, filters, row count) is written before any row leaves;
- rows are read with ``values_list().iterator()`` in chunks, never as model instances, and many-to-many values
  (tags) come from one query per chunk;
- CSV is streamed chunk by chunk, UTF-8 with a BOM (Excel in China then reads Chinese text right instead of as
  GBK); XLSX is written by openpyxl's write-only workbook to a temporary file and streamed from it. Memory stays
  flat whatever the number of rows.

Text cells that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe in CSV
and are written as text cells in XLSX: a customer named "=HYPERLINK(…)" stays a name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import FileResponse, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from crm.core.errors import DomainError

if TYPE_CHECKING:
    from crm.core.models import ScopedModel

CSV = "csv"
XLSX = "xlsx"
FILE_FORMATS = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows read from the database (and many-to-many values fetched) per round; also the rows per streamed piece.
CHUNK_SIZE = 2000
# An Excel sheet holds 1,048,576 rows; a longer export goes on in a second sheet.
XLSX_SHEET_ROWS = 1_048_576 - 1
# openpyxl writes some 5,000 rows a second here and the file must be finished before the download starts, so
# a very long list would outlast any proxy timeout: past this many rows Excel is refused in favour of CSV.
DEFAULT_XLSX_MAX_ROWS = 100_000
# Query parameters that shape the answer, not the rows: not worth an audit line.
NOT_FILTERS = {"format", "file_format", "page", "page_size", "col", "view", "sort", "ordering", "csrfmiddlewaretoken"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: a leading apostrophe before = + - @ (tab, CR).
    Text that already starts with an apostrophe before one of those (or another apostrophe) gets one too, so
    that restore_formula() gives every text back exactly."""
    if text.startswith(_FORMULA_START) or (text[:1] == "'" and text[1:2] and text[1] in (*_FORMULA_START, "'")):
        return "'" + text
    return text


def restore_formula(text: str) -> str:
    """The text defuse_formula() was given: what an import reads from a CSV file this app exported."""
    if text[:1] == "'" and text[1:2] and text[1] in (*_FORMULA_START, "'"):
        return text[1:]
    return text

Display = Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    """One column of an export.

    ``name`` is the model field the column shows: a role denied reading it gets no such column. ``source`` is
    the values_list() lookup (or a tuple of them, handed to ``display`` as a tuple), defaulting to ``name``.
    ``display`` is called once per export and returns the function that turns stored values into the cell
    (so dictionary labels are read once, in the user's language). ``mask`` hides a sensitive value from users
    without the unmask right. ``related`` fetches many-to-many values for a chunk of primary keys:
    ``{pk: value}``.
    """

    name: str
    label: Promise | str
    source: str | tuple[str, ...] = ""
    display: Callable[[], Display] | None = None
    mask: Callable[[str], str] | None = None
    related: Callable[[list[Any]], dict[Any, Any]] | None = None
    width: int = 16

    @property
    def lookups(self) -> tuple[str, ...]:
        if self.related is not None:
            return ()
        source = self.source or self.name
        return source if isinstance(source, tuple) else (source,)


@dataclass(frozen=True)
class ExportSpec:
    """What the export of one model holds. ``title`` names the file and the sheet (translated)."""

    model: type[ScopedModel]
    title: Promise | str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def module(self) -> str:
        return self.model.module

    def columns_for(self, user) -> list[Column]:
        """The columns this user may read."""
        denied = user.denied_read_fields(self.model._meta.label_lower)
        return [column for column in self.columns if column.name not in denied]

    def row_batches(
        self, queryset: models.QuerySet, user, columns: Sequence[Column], chunk_size: int = CHUNK_SIZE
    ) -> Iterator[list[list[Any]]]:
        """Rows of Python values (masked and displayed, not yet formatted for a file), ``chunk_size`` at a time.

        Labels and rights are read now, in the request; the rows are read as the result is iterated, which for a
        streamed response is after the view has returned.
        """
        masked = not user.has_module_perm(self.module, "unmask")
        lookups: list[str] = ["pk"]
        for column in columns:
            lookups.extend(lookup for lookup in column.lookups if lookup not in lookups)
        displays = [column.display() if column.display else None for column in columns]
        # Related values (and prefetches set up for the page) have no place in a values_list() query.
        rows = queryset.prefetch_related(None).values_list(*lookups)

        def batches() -> Iterator[list[list[Any]]]:
            iterator = rows.iterator(chunk_size=chunk_size)
            while batch := list(islice(iterator, chunk_size)):
                getters = [
                    self._getter(column, lookups, display, masked, batch)
                    for column, display in zip(columns, displays, strict=True)
                ]
                yield [[get(row) for get in getters] for row in batch]

        return batches()

    @staticmethod
    def _getter(
        column: Column, lookups: list[str], display: Display | None, masked: bool, batch: list[tuple]
    ) -> Callable[[tuple], Any]:
        if column.related is not None:
            values = column.related([row[0] for row in batch])
            raw: Callable[[tuple], Any] = lambda row: values.get(row[0])  # noqa: E731
        elif len(column.lookups) == 1:
            index = lookups.index(column.lookups[0])
            raw = lambda row: row[index]  # noqa: E731
        else:
            indexes = [lookups.index(lookup) for lookup in column.lookups]
            raw = lambda row: tuple(row[i] for i in indexes)  # noqa: E731
        mask = column.mask if masked else None
        if mask is None:
            if display is None:
                return raw
            return lambda row: display(raw(row))
        if display is None:
            return lambda row: mask(value) if (value := raw(row)) else value
        return lambda row: display(mask(value) if (value := raw(row)) else value)


# --- Displays a Column can use -------------------------------------------------------------------------------


def choice_labels(choices: Iterable[tuple[Any, Any]]) -> Callable[[], Display]:
    """Label of a model choice (e.g. Customer.Kind) in the user's language."""

    def prepare() -> Display:
        labels = {value: str(label) for value, label in choices}
        return lambda value: labels.get(value, value)

    return prepare


def dictionary_labels(kind: str) -> Callable[[], Display]:
    """Label of a dictionary code (industry, level…) in the user's language; unknown codes show as they are."""

    def prepare() -> Display:
        from crm.system.dictionaries import dictionary_choices

        labels = dict(dictionary_choices(kind, include_inactive=True))
        return lambda code: labels.get(code, code) if code else ""

    return prepare


def first_filled() -> Callable[[], Display]:
    """Of a tuple of values, the first that is not empty (a user's name, else their user name)."""

    def prepare() -> Display:
        return lambda values: next((value for value in values if value), "")

    return prepare


def joined(separator: str = ", ") -> Callable[[], Display]:
    def prepare() -> Display:
        return lambda values: separator.join(values) if values else ""

    return prepare


# --- Writing the file --------------------------------------------------------------------------------------


class CellFormatter:
    """Turns a Python value into a CSV or XLSX cell: local times, Yes/No, formulas defused."""

    def __init__(self, sheet=None):
        self.yes, self.no = _("Yes"), _("No")
        self.zone = timezone.get_current_timezone()
        self.sheet = sheet  # the XLSX sheet being written, which text cells are made for

    def csv(self, value: Any) -> Any:
        kind = value.__class__
        if kind is str:
            return defuse_formula(value)
        if value is None:
            return ""
        if kind is bool:
            return self.yes if value else self.no
        if kind is dt.datetime:
            if value.tzinfo is not None:
                value = value.astimezone(self.zone)
            # "2026-02-01 08:30:00[.123456][+08:00]" cut to the second: str() is several times faster than strftime.
            return str(value)[:19]
        if kind is dt.date:
            return value.isoformat()
        return value

    def xlsx(self, value: Any) -> Any:
        kind = value.__class__
        if kind is str:
            # Control characters make openpyxl refuse the cell (and Excel the file).
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):  # openpyxl would write it as a formula: make it a text cell
                text = WriteOnlyCell(self.sheet, value=value)
                text.data_type = "s"
                return text
            return value
        if kind is bool:
            return self.yes if value else self.no
        if kind is dt.datetime and value.tzinfo is not None:
            # Excel has no time zones: the local wall-clock time is what a reader expects.
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value


def csv_stream(spec: ExportSpec, queryset: models.QuerySet, user, columns: Sequence[Column]) -> Iterator[bytes]:
    """The CSV file, one chunk of rows per piece, so neither the server nor the database holds all of it.

    The header, labels and time zone are settled now, in the user's language; the rows follow as it is iterated.
    """
    cell = CellFormatter().csv
    header = [str(column.label) for column in columns]
    batches = spec.row_batches(queryset, user, columns)

    def pieces() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # the BOM: Excel then reads UTF-8
        writer.writerow(header)
        for batch in batches:
            writer.writerows([[cell(value) for value in row] for row in batch])
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if buffer.tell():  # no rows: the header alone
            yield buffer.getvalue().encode("utf-8")

    return pieces()


def write_xlsx(spec: ExportSpec, queryset: models.QuerySet, user, columns: Sequence[Column], handle) -> int:
    """Writes the workbook to ``handle`` (a file opened for binary writing) and returns the number of rows."""
    formatter = CellFormatter()
    cell = formatter.xlsx
    workbook = Workbook(write_only=True)
    title = _sheet_title(str(spec.title))
    bold = Font(bold=True)
    sheet = None
    sheet_rows = count = 0

    def new_sheet(number: int):
        sheet = workbook.create_sheet(title if number == 1 else f"{title} {number}"[:31])
        for position, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = column.width
        header = []
        for column in columns:
            header_cell = WriteOnlyCell(sheet, value=str(column.label))
            header_cell.font = bold
            header.append(header_cell)
        sheet.append(header)
        formatter.sheet = sheet
        return sheet

    sheet = new_sheet(1)
    for batch in spec.row_batches(queryset, user, columns):
        for row in batch:
            if sheet_rows == XLSX_SHEET_ROWS:
                sheet, sheet_rows = new_sheet(count // XLSX_SHEET_ROWS + 1), 0
            sheet.append([cell(value) for value in row])
            sheet_rows += 1
            count += 1
    workbook.save(handle)
    return count


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet name, and more than 31 of any.
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"


# --- The one entry point -----------------------------------------------------------------------------------


def parse_file_format(value: str | None) -> str:
    """``csv`` (the default) or ``xlsx``; anything else is a DomainError naming the choices."""
    chosen = (value or CSV).strip().lower()
    if chosen not in FILE_FORMATS:
        raise DomainError(_("Choose a file format: csv or xlsx."), field="format", code="invalid")
    return chosen


def filters_for_audit(query: QueryDict, ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The filters of a request as the audit trail keeps them: parameters that pick rows, values cut short."""
    skipped = NOT_FILTERS | set(ignore)
    filters: dict[str, Any] = {}
    for name, values in list(query.lists())[:40]:
        values = [value[:200] for value in values if value != ""][:20]
        if name in skipped or not values:
            continue
        filters[name[:50]] = values[0] if len(values) == 1 else values
    return filters


def xlsx_max_rows() -> int:
    return int(getattr(settings, "CRM_EXPORT_XLSX_MAX_ROWS", DEFAULT_XLSX_MAX_ROWS))


def export_file_name(spec: ExportSpec, file_format: str) -> str:
    return f"{spec.title}-{timezone.localtime():%Y%m%d-%H%M}.{file_format}"


def export_response(
    spec: ExportSpec, queryset: models.QuerySet, *, user, file_format: str | None, filters: dict[str, Any]
) -> HttpResponseBase:
    """The export of ``queryset`` as a download: checks the export right, writes the audit event, streams the file.

    ``queryset`` must come from ``visible_to(user, "export")`` with the list's filters applied: this function
    decides columns and masking, not rows.
    """
    from crm.audit.services import record_export

    if not user.has_module_perm(spec.module, "export"):
        raise PermissionDenied
    file_format = parse_file_format(file_format)
    columns = spec.columns_for(user)
    name = export_file_name(spec, file_format)
    # The audit row also says in which format, and whether sensitive values went out in clear.
    audited = {**filters, "format": file_format}
    if any(column.mask for column in columns):
        audited["unmasked"] = user.has_module_perm(spec.module, "unmask")
    if file_format == CSV:
        # Counted before the first row leaves, so the audit row exists even if the download is cut short.
        count = queryset.count()
        record_export(actor=user, model=spec.model, count=count, filters=audited)
        response: HttpResponseBase = StreamingHttpResponse(
            csv_stream(spec, queryset, user, columns), content_type=FILE_FORMATS[CSV]
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
    else:
        limit = xlsx_max_rows()
        if (rows := queryset.count()) > limit:
            raise DomainError(
                _(
                    "This list has %(rows)s rows, more than an Excel export takes (%(limit)s). Export it as CSV, "
                    "or narrow the filters."
                )
                % {"rows": f"{rows:,}", "limit": f"{limit:,}"},
                field="format",
                code="too_many_rows",
            )
        # An XLSX file is a zip whose index comes last: it is finished on disk first, then sent from there.
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it when sent
        try:
            count = write_xlsx(spec, queryset, user, columns, handle)
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        record_export(actor=user, model=spec.model, count=count, filters=audited)
        response = FileResponse(handle, as_attachment=True, filename=name, content_type=FILE_FORMATS[XLSX])
    response["X-Export-Count"] = str(count)
    response["Cache-Control"] = "no-store"  # personal data: no copy in any cache on the way
    return response
