from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.imports import services


@db_task(priority=10)
def read_upload_task(job_id: int, language: str = "") -> None:
    """Reads an uploaded file off the request thread (the upload request waits a moment for it). Ahead of other
    tasks: a user is waiting for the mapping page."""
    services.read_upload(job_id, language)


@db_task()
def run_import_task(job_id: int) -> None:
    """Runs a queued import. Not retried: a failed import has undone what it wrote and says why on its page."""
    services.run_import(job_id)


@db_task()
def preview_import_task(job_id: int, actor_id: int) -> None:
    """Checks a large file (the dry run) in the background; the progress page polls the job."""
    services.run_preview(job_id, actor_id)


@db_periodic_task(crontab(minute="*/10"))
def undo_interrupted_imports_task() -> None:
    """Imports whose worker died mid-write are undone (see services.undo_interrupted_imports)."""
    services.undo_interrupted_imports()
