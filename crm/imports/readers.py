"""Reading an uploaded table: CSV in UTF-8 (with or without BOM) or GB18030/GBK as Excel saves it in China,
and XLSX. Every way a file can be unreadable ends in a ``FileProblem`` with a message for the user.

Reading is bounded whatever the file claims (docs/configuration.md, "Imports"): bytes uploaded, bytes an XLSX
unpacks to (declared and actually read), columns, characters per cell, data rows and blank rows read. A small
hostile file (a zip bomb, a sheet whose ``<dimension>`` says 16,384 columns, a row gap down to row 1,048,576)
is refused, or read, in well under a second instead of tying up a worker for minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from crm.core.exports import restore_formula

CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx",)
# utf-8-sig reads UTF-8 with and without the BOM Excel adds; GB18030 is a superset of GBK and GB2312, the
# encodings "CSV (逗号分隔)" gets from Excel on a Chinese Windows. Trying UTF-8 first is safe: text in GBK is
# almost never valid UTF-8, while UTF-8 text would decode (wrongly) as GB18030.
ENCODINGS = ("utf-8-sig", "gb18030")


class FileProblem(Exception):
    """The file cannot be imported as it is; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The heading row and the data rows of a file, each row as a list of stripped strings."""

    file_format: str
    encoding: str
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number as the user sees it, cells)


def max_rows() -> int:
    return int(getattr(settings, "CRM_IMPORT_MAX_ROWS", 200_000))


def max_bytes() -> int:
    return int(getattr(settings, "CRM_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def max_unpacked_bytes() -> int:
    """What the parts of an XLSX (a ZIP archive) may unpack to, in all."""
    return int(getattr(settings, "CRM_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024))


def max_columns() -> int:
    return int(getattr(settings, "CRM_IMPORT_MAX_COLUMNS", 200))


def max_cell_chars() -> int:
    # Excel's own limit: whatever a cell of a real workbook can hold is accepted.
    return int(getattr(settings, "CRM_IMPORT_MAX_CELL_CHARS", 32_767))


def max_blank_rows() -> int:
    """Blank rows read (between or after the data) before the file is refused: each costs reading too."""
    return int(getattr(settings, "CRM_IMPORT_MAX_BLANK_ROWS", 10_000))


def file_format_of(filename: str) -> str:
    name = (filename or "").lower()
    if name.endswith(CSV_EXTENSIONS):
        return "csv"
    if name.endswith(XLSX_EXTENSIONS):
        return "xlsx"
    if name.endswith(".xls"):
        raise FileProblem(_("Old Excel files (.xls) cannot be read. In Excel, save the file as .xlsx or CSV."))
    raise FileProblem(_("Upload a .csv or .xlsx file."))


def read_table(content: bytes, filename: str, *, headers_only: bool = False) -> Table:
    """Reads the file's heading row and its data rows (blank rows dropped).

    Raises FileProblem for an empty, oversized, binary or malformed file, a file without data rows, or one with
    more rows than CRM_IMPORT_MAX_ROWS.
    """
    file_format = file_format_of(filename)
    if not content or not content.strip():
        raise FileProblem(_("The file is empty."))
    if len(content) > max_bytes():
        raise FileProblem(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": max_bytes() // (1024 * 1024)}
        )
    lines = _xlsx_lines(content) if file_format == "xlsx" else _csv_lines(content)
    encoding = lines.encoding
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    limit, blank_limit, blanks = max_rows(), max_blank_rows(), 0
    for number, cells in lines:
        if not any(cells):
            blanks += 1
            if blanks > blank_limit:
                raise FileProblem(
                    _(
                        "The file has more than %(limit)s empty rows. Delete the empty rows (also those below the "
                        "data) and upload it again."
                    )
                    % {"limit": f"{blank_limit:,}"}
                )
            continue
        cells = _bounded(number, cells)
        if headers is None:
            headers = _unique_headers(cells)
            if headers_only:
                break
            continue
        if len(rows) >= limit:
            raise FileProblem(
                _("The file has more than %(limit)s data rows. Split it into smaller files.") % {"limit": f"{limit:,}"}
            )
        rows.append((number, cells))
    if headers is None:
        raise FileProblem(_("The file is empty."))
    if not headers_only and not rows:
        raise FileProblem(_("The file has a heading row but no data rows."))
    return Table(file_format=file_format, encoding=encoding, headers=headers, rows=rows)


def _bounded(number: int, cells: list[str]) -> list[str]:
    """The row's cells, once within the column and cell-length bounds; empty cells past the last column allowed
    are dropped (Excel keeps formatted empty cells far to the right)."""
    width = max_columns()
    if len(cells) > width:
        if any(cells[width:]):
            raise FileProblem(
                _("Row %(row)s has more than %(limit)s columns. Delete the columns you do not import.")
                % {"row": number, "limit": f"{width:,}"}
            )
        cells = cells[:width]
    longest = max_cell_chars()
    for index, cell in enumerate(cells):
        if len(cell) > longest:
            raise FileProblem(
                _("The cell in row %(row)s, column %(column)s holds more than %(limit)s characters.")
                % {"row": number, "column": _column_letter(index), "limit": f"{longest:,}"}
            )
    return cells


def _unique_headers(cells: list[str]) -> list[str]:
    """Headings as the mapping refers to them: blanks get a column letter, repeats get a number."""
    seen: dict[str, int] = {}
    headers = []
    for index, cell in enumerate(cells):
        name = cell.strip() or _("Column %(letter)s") % {"letter": _column_letter(index)}
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        headers.append(name)
    return headers


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class _Lines:
    """Numbered rows of cells, plus the encoding they were read with."""

    def __init__(self, rows: Iterator[tuple[int, list[str]]], encoding: str):
        self._rows = rows
        self.encoding = encoding

    def __iter__(self):
        return self._rows


def _decode(content: bytes) -> tuple[str, str]:
    # No UTF-8 or GBK text holds a NUL byte; a database column cannot store one either. Near the start it is
    # UTF-16 ("Unicode text" from Excel) or a binary file; further on, a damaged or pasted-together file.
    nul = content.find(b"\x00")
    if 0 <= nul < 8192:
        raise FileProblem(
            _("This is not a CSV text file. Save it from Excel as “CSV UTF-8” or “CSV”, or upload the .xlsx file.")
        )
    if nul >= 0:
        raise FileProblem(
            _("Line %(line)s of the file holds a NUL character, which no CSV text contains. Remove it (or save "
              "the file from Excel again) and upload it again.") % {"line": content.count(b"\n", 0, nul) + 1}
        )
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        _(
            "The file's text encoding is not UTF-8 or GBK/GB18030. Save it from Excel as "
            "“CSV UTF-8” and upload it again."
        )
    )


def _csv_lines(content: bytes) -> _Lines:
    if content[:4] == b"PK\x03\x04":
        raise FileProblem(_("This looks like an Excel workbook, not a CSV file. Upload it with the .xlsx extension."))
    text, encoding = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                # A leading apostrophe that this app's export put before a formula-like value goes again.
                yield reader.line_num, [restore_formula(cell.strip()) for cell in cells]
        except csv.Error as error:
            if "field larger than field limit" in str(error):  # the csv module's own bound, past ours
                raise FileProblem(
                    _("The cell in row %(row)s holds more than %(limit)s characters.")
                    % {"row": reader.line_num, "limit": f"{max_cell_chars():,}"}
                ) from error
            raise FileProblem(
                _("The CSV file is malformed near line %(line)s: %(error)s") % {"line": reader.line_num, "error": error}
            ) from error

    return _Lines(rows(), encoding)


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the heading row into the most columns (comma on a tie).

    Only the separator is guessed. Quoting is always Excel's (and RFC 4180's): a field in double quotes, a quote
    inside it doubled. Guessing the whole dialect (csv.Sniffer) can settle on no doubled quotes, and then
    a quoted ``Say "hi"`` reads back with its quotes doubled."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {sep: len(next(csv.reader([first], delimiter=sep), [])) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _cell_text(value) -> str:
    """An Excel cell as the text a person typed: 13800138000 stays digits, not 1.38E+10."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


EXCEL_COLUMNS = 16_384  # A to XFD: no real workbook has a wider row


class _BoundedMember(io.RawIOBase):
    """A part of the archive as openpyxl reads it, counted as it is unpacked: past the archive's allowance, or
    past a stretch of text no cell can need (the longest run of bytes without a ``<``: an XML text node or
    attribute value), reading stops with a FileProblem before the parser has to hold it."""

    def __init__(self, raw, archive: _BoundedArchive, *, worksheet: bool):
        super().__init__()
        self._raw = raw
        self._archive = archive
        self._run = 0  # bytes since the last "<"
        self._cells: int | None = 0 if worksheet else None  # cells since the last <row> of a worksheet

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Pieces no longer than the longest run allowed: a run between two "<" of one piece is then within it,
        # and only runs across pieces need counting.
        data = self._raw.read(min(len(buffer), self._archive.longest_run))
        self._archive.count(len(data))
        first = data.find(b"<")
        if first < 0:
            self._run += len(data)
            crossing = self._run
        else:
            crossing = self._run + first  # the run that went on from the last piece
            self._run = len(data) - data.rfind(b"<") - 1
        if crossing > self._archive.longest_run:
            raise FileProblem(
                _("A cell of the workbook holds more than %(limit)s characters.") % {"limit": f"{max_cell_chars():,}"}
            )
        if self._cells is not None:
            self._count_cells(data)
        buffer[: len(data)] = data
        return len(data)

    def _count_cells(self, data: bytes) -> None:
        # openpyxl gathers a whole row before handing it over: a row of 100,000 cells is refused as it streams
        # by, at Excel's own width, not after seconds of parsing (the tighter max_columns() comes after).
        first = data.find(b"<row")
        if first < 0:
            self._cells += _cells_in(data)
        else:
            if self._cells + _cells_in(data[:first]) > EXCEL_COLUMNS:
                self._cells += _cells_in(data[:first])
            else:
                self._cells = _cells_in(data[data.rfind(b"<row") :])
        if self._cells > EXCEL_COLUMNS:
            raise FileProblem(
                _("A row of the workbook has more than %(limit)s columns.") % {"limit": f"{EXCEL_COLUMNS:,}"}
            )

    def close(self) -> None:
        self._raw.close()
        super().close()


def _cells_in(xml: bytes) -> int:
    return xml.count(b"<c ") + xml.count(b"<c>")


class _BoundedArchive(zipfile.ZipFile):
    """The workbook's ZIP archive, refused up front when its parts declare more than max_unpacked_bytes(), and
    whose parts are counted as they are actually unpacked (a forged size in the directory changes nothing)."""

    def __init__(self, file, allowance: int, longest_run: int):
        super().__init__(file)
        self.allowance = allowance
        self.longest_run = longest_run
        self.unpacked = 0
        if sum(info.file_size for info in self.infolist()) > allowance:
            raise FileProblem(_too_large_unpacked())

    def count(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > self.allowance:
            raise FileProblem(_too_large_unpacked())

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        member = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return member
        worksheet = str(getattr(name, "filename", name)).startswith("xl/worksheets/")
        return io.BufferedReader(_BoundedMember(member, self, worksheet=worksheet), buffer_size=64 * 1024)


def _too_large_unpacked() -> str:
    return _("The workbook unpacks to more than %(size)d MB. Split it into smaller files.") % {
        "size": max_unpacked_bytes() // (1024 * 1024)
    }


def _xlsx_lines(content: bytes) -> _Lines:
    from openpyxl.reader.excel import ExcelReader

    # A cell of n characters is at most 8n bytes of XML (&#12345; per character), plus its tags.
    longest_run = max(64 * 1024, 8 * max_cell_chars() + 1024)
    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        reader.archive.close()
        reader.archive = _BoundedArchive(io.BytesIO(content), max_unpacked_bytes(), longest_run)
        reader.read()
        workbook = reader.wb
        sheet = workbook.worksheets[0]
        # The rows as they are in the file, not as wide and long as its <dimension> claims (A1:XFD1048576 would
        # make every row 16,384 cells and every gap a row of them). A plausible width still pads short rows, so
        # every row has a cell per column as Excel shows them.
        width = sheet.max_column or 0
        width = width if width <= max_columns() else 0
        sheet.reset_dimensions()
    except FileProblem:
        raise
    except Exception as error:  # noqa: BLE001 - zipfile and openpyxl raise many kinds on broken workbooks
        raise FileProblem(_("The file is not a valid .xlsx workbook.")) from error

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            # Rows missing from the file (a gap) come as empty tuples, one per row number: cheap, and counted as
            # blank rows by read_table(); nothing is read past the file's last row.
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(value) for value in values]
                yield number, cells + [""] * (width - len(cells)) if any(cells) else cells
        except FileProblem:
            raise
        except Exception as error:  # noqa: BLE001 - a workbook can be broken half-way through
            raise FileProblem(_("The file is not a valid .xlsx workbook.")) from error
        finally:
            workbook.close()

    return _Lines(rows(), "")
