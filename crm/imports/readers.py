"""Reading an uploaded table: CSV in UTF-8 (with or without BOM) or GB18030/GBK as Excel saves it in China,
and XLSX. Every way a file can be unreadable ends in a ``FileProblem`` with a message for the user."""

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
    limit = max_rows()
    for number, cells in lines:
        if not any(cells):
            continue
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


def _xlsx_lines(content: bytes) -> _Lines:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as error:
        raise FileProblem(_("The file is not a valid .xlsx workbook.")) from error
    except Exception as error:  # noqa: BLE001 - openpyxl raises its own errors on broken workbooks
        raise FileProblem(_("The file is not a valid .xlsx workbook.")) from error

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(value) for value in values]
        except Exception as error:  # noqa: BLE001 - a workbook can be broken half-way through
            raise FileProblem(_("The file is not a valid .xlsx workbook.")) from error
        finally:
            workbook.close()

    return _Lines(rows(), "")
