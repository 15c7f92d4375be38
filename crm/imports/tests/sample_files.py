"""Files as users upload them (CSV in UTF-8 / UTF-8 with BOM / GB18030, XLSX), and the whole import flow."""

from __future__ import annotations

import csv
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from crm.imports import services
from crm.imports.models import ImportJob


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def csv_upload(rows: list[list[str]], encoding: str = "utf-8", name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, encoding), content_type="text/csv")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows: list[list], name: str = "customers.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, xlsx_bytes(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def preview(
    actor, upload, *, mapping: dict[str, str] | None = None, policy: str = "skip", entity: str = "customers"
) -> ImportJob:
    """Upload → mapping (the guessed one unless given) → dry run."""
    job = services.start_import(actor=actor, entity=entity, upload=upload)
    services.set_mapping(
        actor=actor, job=job, mapping=mapping if mapping is not None else job.mapping, duplicate_policy=policy
    )
    return services.preview_import(actor=actor, job=job)


def run(actor, job: ImportJob, capture) -> ImportJob:
    """Queues the job and lets the (inline) task queue run it once the request's transaction commits."""
    with capture(execute=True):
        services.queue_import(actor=actor, job=job)
    job.refresh_from_db()
    return job


def rows_by_action(job: ImportJob) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for issue in job.issues:
        found.setdefault(issue["action"], set()).add(issue["row"])
    return found


# --- Hostile workbooks, written part by part: what openpyxl would never write, but a zip tool or a script can --

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def inline_cell(text: str, ref: str = "") -> str:
    """A cell holding its text itself (no shared-strings table)."""
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


def raw_xlsx(rows: dict[int, str] | list[str], dimension: str = "") -> bytes:
    """A workbook of one sheet whose rows are given as XML: {row number: cells XML} (gaps allowed) or a list
    (rows 1, 2, …); ``dimension`` is what the sheet claims its used range is (``A1:XFD1048576``)."""
    numbered = rows if isinstance(rows, dict) else dict(enumerate(rows, start=1))
    sheet_rows = "".join(f'<row r="{number}">{cells}</row>' for number, cells in sorted(numbered.items()))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f"<sheetData>{sheet_rows}</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()
