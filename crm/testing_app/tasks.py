"""Background work of the suite's module: found by djhuey like any app's tasks.py; it calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.testing_app.services import remind_due_milestones


@db_periodic_task(crontab(minute="*/15"))
def remind_milestones() -> int:
    return remind_due_milestones()
