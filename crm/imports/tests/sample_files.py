"""Files as users upload them (CSV in UTF-8 / UTF-8 with BOM / GB18030, XLSX), and the whole import flow."""

from __future__ import annotations

import csv
import io

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
