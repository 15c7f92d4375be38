"""The import workflow: upload (start_import; the file is read by the task queue, read_upload) → column mapping
(set_mapping) → dry run (start_preview: at once for a small file, else as a background job, run_preview) → queue
(queue_import) → the background job (run_import), which writes in short steps and undoes them if one fails.
Pages, the API and the tasks all call these. No file is read inside a write transaction."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.errors import DomainError
from crm.core.sqlite import larger_page_cache
from crm.imports.models import ImportJob, ImportMapping, ImportPlan, ImportStep, header_hash
from crm.imports.readers import FileProblem, Table, file_format_of, max_bytes, read_table
from crm.imports.registry import Analysis, Importer, SourceRow, WriteResult, get_importer, guess_mapping

logger = logging.getLogger(__name__)

# How many rows with problems a page or an API answer shows; the error report has all of them.
SHOWN_ISSUES = 500


def inline_preview_rows() -> int:
    """Files with more data rows than this are checked by the task queue, with a progress page, rather than in
    the request: about a second of checking at 10,000 rows a second."""
    return int(getattr(settings, "CRM_IMPORT_INLINE_PREVIEW_ROWS", 10_000))


def importer_for(actor: User, entity: str) -> Importer:
    """The entity's importer, if the actor may import into its module."""
    importer = get_importer(entity)
    if importer is None:
        raise DomainError(_("Nothing called “%(entity)s” can be imported.") % {"entity": entity}, field="entity")
    if not actor.has_module_perm(importer.module, "import"):
        raise DomainError(_("Your role may not import %(what)s.") % {"what": importer.label}, code="permission_denied")
    return importer


def remembered_mapping(*, actor: User, entity: str, headers: list[str]) -> dict[str, str] | None:
    """The mapping this user (else anyone) last confirmed for the same headings, limited to these headings."""
    key = header_hash(headers)
    rows = ImportMapping.objects.filter(entity=entity, header_hash=key)
    found = rows.filter(user=actor).first() or rows.filter(user__isnull=True).first()
    if found is None:
        return None
    by_heading = {h.strip().lower(): h for h in headers}
    return {by_heading[h.strip().lower()]: f for h, f in found.mapping.items() if h.strip().lower() in by_heading}


def upload_wait_seconds() -> float:
    """How long an upload request waits for the task queue to read the file before answering "still reading"."""
    return float(getattr(settings, "CRM_IMPORT_UPLOAD_WAIT_SECONDS", 3))


def start_import(*, actor: User, entity: str, upload: UploadedFile, wait: float | None = None) -> ImportJob:
    """Stores an uploaded file as a new import job and has the task queue read it (read_upload): the request
    thread never parses a file, whatever it holds. Waits up to ``wait`` seconds (upload_wait_seconds()) for the
    reading: a file read by then comes back as before — the job with its headings and a first mapping, or a
    DomainError (and no job) when it is refused; otherwise the job is returned while still "reading", and its page
    (or GET /api/v1/imports/{id}/) shows when it is done.

    Call it outside a transaction: the worker must see the job."""
    importer_for(actor, entity)
    if upload is None:
        raise DomainError(_("Choose a file to upload."), field="file")
    if upload.size and upload.size > max_bytes():
        raise DomainError(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": max_bytes() // (1024 * 1024)},
            field="file",
        )
    try:
        file_format = file_format_of(upload.name or "")
    except FileProblem as problem:
        raise DomainError(problem.message, field="file", code="bad_file") from problem
    content = upload.read(max_bytes() + 1)
    if len(content) > max_bytes():
        raise DomainError(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": max_bytes() // (1024 * 1024)},
            field="file",
        )
    with transaction.atomic():
        job = ImportJob(
            user=actor,
            entity=entity,
            original_name=(upload.name or "")[:255],
            file_format=file_format,
            status=ImportJob.Status.READING,
        )
        job.file.save(f"{entity}.{file_format}", ContentFile(content), save=False)
        job.save()
    from crm.imports.tasks import read_upload_task

    read_upload_task(job.pk, translation.get_language() or "")
    job = _when_read(job, upload_wait_seconds() if wait is None else wait)
    if job.status == ImportJob.Status.FAILED:
        # Refused while the user waited: answered like any bad input, and nothing is kept.
        message = job.message
        job.delete()
        raise DomainError(message, field="file", code="bad_file")
    return job


def _when_read(job: ImportJob, wait: float) -> ImportJob:
    deadline = time.monotonic() + wait
    while True:
        job.refresh_from_db()
        if job.status != ImportJob.Status.READING or time.monotonic() >= deadline:
            return job
        time.sleep(0.05)


def read_upload(job_id: int, language: str = "") -> ImportJob | None:
    """The task queue's part of an upload: reads the stored file within the reader's bounds (columns, rows,
    blank rows, cell length, unpacked size: crm.imports.readers) outside any transaction, then records the
    headings, the row count, sample rows and a first mapping (the one remembered for these headings, or one
    guessed from them) in one short write. A file that cannot be imported fails the job with the reason, and the
    file is deleted."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.READING).select_related("user").first()
    if job is None:
        return None
    with translation.override(language or job.user.language or settings.LANGUAGE_CODE):
        try:
            importer = importer_for(job.user, job.entity)
            table = _read_rows(job)
        except (DomainError, FileProblem) as problem:
            return _refuse(job, problem.message)
        except (FileNotFoundError, OSError):
            return _refuse(job, _("The uploaded file is gone."))
        except Exception:  # noqa: BLE001 - whatever broke, the user must be told and may try again
            logger.exception("reading the upload of import %s failed", job_id)
            return _refuse(job, _("An internal error stopped the reading; the details are in the server log."))
        mapping = remembered_mapping(actor=job.user, entity=job.entity, headers=table.headers) or guess_mapping(
            importer, table.headers
        )
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.READING).update(
            status=ImportJob.Status.DRAFT,
            encoding=table.encoding,
            headers=table.headers,
            total_rows=len(table.rows),
            sample_rows=[cells for _number, cells in table.rows[:3]],
            mapping=mapping,
            updated_at=timezone.now(),
        )
    return ImportJob.objects.get(pk=job_id)


def _refuse(job: ImportJob, message: str) -> ImportJob:
    _discard_file(job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message[:500], finished_at=timezone.now(), updated_at=timezone.now()
    )
    return ImportJob.objects.get(pk=job.pk)


def _check_editable(job: ImportJob) -> None:
    if job.status == ImportJob.Status.READING:
        raise DomainError(_("The file is still being read; wait until it is done."), code="reading")
    if job.status == ImportJob.Status.CHECKING:
        raise DomainError(_("The file is being checked; wait until the check is done."), code="checking")
    if job.status not in (ImportJob.Status.DRAFT, ImportJob.Status.PREVIEWED):
        raise DomainError(
            _("This import has already been started; upload the file again to change it."), code="already_started"
        )


@transaction.atomic
def set_mapping(*, actor: User, job: ImportJob, mapping: dict[str, str], duplicate_policy: str) -> ImportJob:
    """Sets which column fills which field and what to do with duplicates, and remembers the mapping for the
    next file with the same headings. The job needs a new preview afterwards."""
    importer = importer_for(actor, job.entity)
    _check_editable(job)
    fields = importer.field_map()
    clean: dict[str, str] = {}
    for heading, key in mapping.items():
        if not key:
            continue
        if heading not in job.headers:
            raise DomainError(_("The file has no column “%(column)s”.") % {"column": heading}, field="mapping")
        if key not in fields:
            raise DomainError(_("“%(field)s” is not a field you can import.") % {"field": key}, field="mapping")
        if key in clean.values():
            raise DomainError(
                _("Two columns are mapped to “%(field)s”; map each field once.") % {"field": fields[key].label},
                field="mapping",
            )
        clean[heading] = key
    missing = [str(f.label) for f in importer.fields if f.required and f.key not in clean.values()]
    if missing:
        raise DomainError(
            _("Map a column to each required field: %(fields)s.") % {"fields": ", ".join(missing)}, field="mapping"
        )
    denied: set[str] = getattr(importer, "denied_fields", lambda user: set())(actor) & set(clean.values())
    if denied:
        raise DomainError(
            _("Your role may not set these fields: %(fields)s.")
            % {"fields": ", ".join(str(fields[k].label) for k in sorted(denied))},
            field="mapping",
        )
    if duplicate_policy not in ImportJob.Policy.values:
        raise DomainError(_("Choose what to do with duplicates."), field="duplicate_policy")
    job.mapping = clean
    job.duplicate_policy = duplicate_policy
    job.status = ImportJob.Status.DRAFT
    job.issues = []
    job.message = ""
    job.save()
    ImportPlan.objects.filter(job=job).delete()
    key = header_hash(job.headers)
    for owner in (actor, None):
        ImportMapping.objects.update_or_create(
            entity=job.entity, header_hash=key, user=owner, defaults={"mapping": clean}
        )
    return job


def _read_rows(job: ImportJob) -> Table:
    with job.file.open("rb") as handle:
        content = handle.read()
    return read_table(content, job.original_name)


def _source_rows(job: ImportJob, table: Table) -> list[SourceRow]:
    columns = [(table.headers.index(heading), key) for heading, key in job.mapping.items() if heading in table.headers]
    rows = []
    for number, cells in table.rows:
        values = {key: cells[index] if index < len(cells) else "" for index, key in columns}
        rows.append(SourceRow(number=number, cells=cells, values=values))
    return rows


def _analyse(job: ImportJob, actor: User, progress) -> Analysis:
    importer = importer_for(actor, job.entity)
    try:
        table = _read_rows(job)
    except (FileProblem, FileNotFoundError, OSError) as problem:
        message = problem.message if isinstance(problem, FileProblem) else _("The uploaded file is gone.")
        raise DomainError(message, field="file", code="bad_file") from problem
    return importer.analyse(actor=actor, rows=_source_rows(job, table), policy=job.duplicate_policy, progress=progress)


def preview_import(*, actor: User, job: ImportJob) -> ImportJob:
    """The dry run, here and now: validates every row and finds duplicates without writing anything but the job
    (and the plan the run will follow). The file is read and checked outside any transaction; only the outcome
    is written, in one short one.

    While the job is previewed, created/updated/skipped counts are what the import would do.
    """
    if not job.mapping:
        raise DomainError(_("Map the columns first."), field="mapping")
    _check_editable(job)
    return _preview(job, actor, progress=lambda done: None)


def start_preview(*, actor: User, job: ImportJob) -> ImportJob:
    """The dry run as the pages and the API start it: in the request for a file of up to
    ``inline_preview_rows()`` rows, otherwise on the task queue (status "checking", with the progress page) so
    that a 100,000-row file does not time out the browser's request."""
    from crm.imports.tasks import preview_import_task

    if job.total_rows <= inline_preview_rows():
        return preview_import(actor=actor, job=job)
    if not job.mapping:
        raise DomainError(_("Map the columns first."), field="mapping")
    importer_for(actor, job.entity)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportJob.Status.DRAFT, ImportJob.Status.PREVIEWED]
        ).update(status=ImportJob.Status.CHECKING, processed_rows=0, message="")
        if not claimed:
            _check_editable(ImportJob.objects.get(pk=job.pk))
        transaction.on_commit(lambda: preview_import_task(job.pk, actor.pk))
    job.refresh_from_db()
    return job


def run_preview(job_id: int, actor_id: int) -> ImportJob | None:
    """The background dry run started by start_preview(). Progress is committed as it goes (the page polls
    it); a file that cannot be checked goes back to the mapping step with the reason."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKING).select_related("user").first()
    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    if job is None:
        return None  # checked already, or the mapping changed meanwhile
    with translation.override(
        (actor.language if actor else "") or job.user.language or translation.get_language() or settings.LANGUAGE_CODE
    ):
        try:
            if actor is None:
                raise DomainError(_("The user who started the import is no longer active."))

            def checked(done: int) -> None:
                ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKING).update(processed_rows=done)

            _preview(job, actor, progress=checked)
        except DomainError as error:
            ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.DRAFT, message=error.message[:500])
        except Exception:  # noqa: BLE001 - whatever broke, the user must be told and may try again
            logger.exception("preview of import %s failed", job_id)
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.DRAFT,
                message=_("An internal error stopped the check; the details are in the server log."),
            )
    return ImportJob.objects.get(pk=job_id)


def _preview(job: ImportJob, actor: User, progress) -> ImportJob:
    # Reading and checking take no write lock: other users' writes never wait for a dry run.
    with larger_page_cache():
        analysis = _analyse(job, actor, progress=progress)
    _store_outcome(job, analysis, created=analysis.to_create, updated=analysis.to_update)
    job.status = ImportJob.Status.PREVIEWED
    job.previewed_at = timezone.now()
    job.processed_rows = 0
    job.message = ""
    with transaction.atomic():
        job.save()
        ImportPlan.objects.filter(job=job).delete()
        if analysis.saved is not None:
            ImportPlan.objects.create(job=job, data=analysis.saved)
    return job


def _store_outcome(job: ImportJob, analysis: Analysis, *, created: int, updated: int) -> None:
    job.total_rows = analysis.total
    job.issues = [o.as_json() for o in analysis.outcomes]
    job.created_count = created
    job.updated_count = updated
    job.error_count = analysis.errors
    job.duplicate_count = analysis.duplicates
    job.skipped_count = analysis.skipped + analysis.errors


def queue_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Hands a previewed job to the task queue; a job is queued once, however often the button is pressed."""
    from crm.imports.tasks import run_import_task

    importer_for(actor, job.entity)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
            status=ImportJob.Status.QUEUED, processed_rows=0, message=""
        )
        if not claimed:
            raise DomainError(_("Check the file (preview) before importing it."), code="not_previewed")
        transaction.on_commit(lambda: run_import_task(job.pk))
    job.refresh_from_db()
    return job


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def written_rows(job: ImportJob) -> int | None:
    """Rows written so far by a running job (committed step by step), None before its write has begun."""
    if job.status == ImportJob.Status.RUNNING and (job.written_rows or job.processed_rows >= job.total_rows):
        return job.written_rows
    return None


def run_import(job_id: int) -> ImportJob | None:
    """The background job: checks the file again (data may have changed since the preview), then writes every
    row that passes in ONE transaction — all of them or, on any failure, none. Rows with errors are skipped
    and listed in the job's issues and error report."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), processed_rows=0, written_rows=0,
        updated_at=timezone.now(),
    )
    if not claimed:
        return None  # run already, or never queued
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    # Messages stored in the job are written in the importer's language, wherever the worker runs.
    language = job.user.language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language), larger_page_cache():
        return _run(job)


class _JobTaken(Exception):
    """The job is no longer this worker's (undone as interrupted meanwhile): stop without touching it."""


def _run(job: ImportJob) -> ImportJob:
    """Checks the plan again (reads only), then writes it step by step, each step a short transaction of its own
    that records what undoes it (ImportStep). Other writers wait at most one step, never the whole file. If a step
    fails, the committed ones are undone newest first: all of the file or, on any failure, none of it."""
    job_id, actor = job.pk, job.user
    importer: Importer | None = None
    try:
        if not actor.is_active:
            raise DomainError(_("The user who started the import is no longer active."))
        importer = importer_for(actor, job.entity)

        def checked(done: int) -> None:  # committed as it goes: the progress page reads it
            ImportJob.objects.filter(pk=job_id).update(processed_rows=done, updated_at=timezone.now())

        analysis = _planned(job, actor, importer, progress=checked) or _analyse(job, actor, progress=checked)
        ImportJob.objects.filter(pk=job_id).update(processed_rows=analysis.total, written_rows=0)
        result = WriteResult(created=0, updated=0)
        for number, step in enumerate(importer.write_steps(actor=actor, analysis=analysis)):
            with transaction.atomic():
                # First, so that a job undone meanwhile as interrupted is not written to again.
                if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
                    updated_at=timezone.now()
                ):
                    raise _JobTaken
                done = step()
                ImportStep.objects.create(job_id=job_id, number=number, rows=done.rows, undo=done.undo)
                ImportJob.objects.filter(pk=job_id).update(written_rows=F("written_rows") + done.rows)
            result.created += done.result.created
            result.updated += done.result.updated
            result.skipped += done.result.skipped
        with transaction.atomic():
            late = {o.row: o for o in result.skipped}
            analysis.outcomes = sorted(
                [late.pop(o.row, o) for o in analysis.outcomes] + list(late.values()), key=lambda o: o.row
            )
            _store_outcome(job, analysis, created=result.created, updated=result.updated)
            job.skipped_count += len(result.skipped)
            job.processed_rows = analysis.total
            job.written_rows = ImportJob.objects.values_list("written_rows", flat=True).get(pk=job_id)
            job.status = ImportJob.Status.DONE
            job.finished_at = timezone.now()
            job.save()
            ImportStep.objects.filter(job_id=job_id).delete()
            audit.record_event(
                actor=actor,
                action=AuditEvent.Action.IMPORT,
                instance=job,
                changes={
                    "entity": job.entity,
                    "file": job.original_name,
                    "rows": job.total_rows,
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "skipped": job.skipped_count,
                    "errors": job.error_count,
                },
                message=f"{importer.label}: {job.original_name}",
            )
    except _JobTaken:
        return ImportJob.objects.get(pk=job_id)
    except DomainError as error:
        _undo_and_fail(job_id, importer, actor, error.message)
    except Exception:  # noqa: BLE001 - whatever broke, what was written is undone and the user must be told
        logger.exception("import %s failed", job_id)
        _undo_and_fail(job_id, importer, actor, _("An internal error stopped it; the details are in the server log."))
    else:
        _discard_file(job)
        ImportPlan.objects.filter(job_id=job_id).delete()
    finally:
        cache.delete(progress_key(job_id))
    return ImportJob.objects.get(pk=job_id)


def _undo_and_fail(job_id: int, importer: Importer | None, actor: User, message: str) -> None:
    """Undoes the job's committed steps, newest first, each in a short transaction, then fails the job."""
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.ROLLING_BACK, updated_at=timezone.now())
    try:
        if importer is not None:
            for step in ImportStep.objects.filter(job_id=job_id).order_by("-number"):
                with transaction.atomic():
                    importer.undo(actor=actor, undo=step.undo)
                    step.delete()
                    ImportJob.objects.filter(pk=job_id).update(
                        written_rows=Greatest(F("written_rows") - step.rows, 0), updated_at=timezone.now()
                    )
    except Exception:  # noqa: BLE001 - the steps left stay recorded, for the next attempt (undo_interrupted_imports)
        logger.exception("undoing import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            message=_("Undoing the import failed; it is tried again later.")[:500]
        )
        return
    _fail(job_id, message)


def stale_after() -> dt.timedelta:
    """A running import that has not moved for this long is taken as interrupted (its worker died)."""
    return dt.timedelta(minutes=int(getattr(settings, "CRM_IMPORT_STALE_MINUTES", 30)))


def undo_interrupted_imports() -> list[int]:
    """Imports whose worker stopped mid-write (killed, restarted) are undone like a failed one: the steps they
    committed are taken back and the job fails with nothing imported. Run by the task queue every few minutes."""
    undone = []
    stale = timezone.now() - stale_after()
    for job in ImportJob.objects.filter(
        status__in=[ImportJob.Status.RUNNING, ImportJob.Status.ROLLING_BACK], updated_at__lt=stale
    ).select_related("user"):
        if not ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
            status=ImportJob.Status.ROLLING_BACK, updated_at=timezone.now()
        ):
            continue  # it moved meanwhile
        with translation.override(job.user.language or settings.LANGUAGE_CODE):
            _undo_and_fail(
                job.pk,
                get_importer(job.entity),
                job.user,
                _("The import was interrupted; nothing was imported. Start it again."),
            )
        undone.append(job.pk)
    return undone


def _planned(job: ImportJob, actor: User, importer: Importer, progress) -> Analysis | None:
    """The preview's plan, re-checked for what changed since (see Importer.recheck), if there is one."""
    saved = ImportPlan.objects.filter(job=job).values_list("data", flat=True).first()
    if not saved:
        return None
    analysis = importer.recheck(
        actor=actor, saved=saved, policy=job.duplicate_policy, issues=job.issues, progress=progress
    )
    if analysis is not None and any(not o.cells for o in analysis.outcomes):
        # Rows that turned into duplicates after the preview: their cells for the error report, from the file.
        cells = dict(_read_rows(job).rows)
        for outcome in analysis.outcomes:
            outcome.cells = outcome.cells or cells.get(outcome.row, [])
    return analysis


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED,
        message=message[:500],
        created_count=0,
        updated_count=0,
        written_rows=0,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _discard_file(job: ImportJob) -> None:
    """The upload holds personal data; once imported, only the rows with problems (in the job) are kept."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def action_label(action: str, finished: bool) -> str:
    """What happened (or, before the run, will happen) to a row with a problem."""
    if action == "error":
        return _("Error")
    if action == "skip":
        return _("Skipped") if finished else _("Will be skipped")
    if action == "update":
        return _("Updated") if finished else _("Will update")
    return _("Created anyway") if finished else _("Will be created anyway")


def error_report_rows(job: ImportJob) -> Iterator[list[Any]]:
    """The error report: every row with a problem, what happens to it and why, then its original cells so a
    fixed copy can be imported again."""
    finished = job.status == ImportJob.Status.DONE
    yield [_("Row"), _("Result"), _("Problem"), _("Duplicate of"), *job.headers]
    for issue in job.issues:
        yield [
            issue["row"],
            action_label(issue["action"], finished),
            "; ".join(issue["messages"]),
            issue.get("duplicate_of", ""),
            *issue.get("cells", []),
        ]


def error_report_csv(job: ImportJob) -> bytes:
    """The report as CSV in UTF-8 with a BOM, which Excel opens with Chinese intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in error_report_rows(job):
        writer.writerow([_safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _safe_cell(value: Any) -> Any:
    """Cells starting with = + - @ would run as formulas in Excel (CSV injection); a leading ' keeps them text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _looks_numeric(value):
        return "'" + value
    return value


def _looks_numeric(value: str) -> bool:
    try:
        float(value.replace(" ", ""))
    except ValueError:
        return False
    return True
