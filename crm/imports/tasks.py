from huey.contrib.djhuey import db_task

from crm.imports import services


@db_task()
def run_import_task(job_id: int) -> None:
    """Runs a queued import. Not retried: a failed import has written nothing and says why on its page."""
    services.run_import(job_id)
