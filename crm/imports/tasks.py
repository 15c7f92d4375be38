from huey.contrib.djhuey import db_task

from crm.imports import services


@db_task()
def run_import_task(job_id: int) -> None:
    """Runs a queued import. Not retried: a failed import has written nothing and says why on its page."""
    services.run_import(job_id)


@db_task()
def preview_import_task(job_id: int, actor_id: int) -> None:
    """Checks a large file (the dry run) in the background; the progress page polls the job."""
    services.run_preview(job_id, actor_id)
