import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from crm.care.services import send_due_greetings
from crm.system.models import SystemSettings


def greetings_due_at(moment: dt.datetime, send_hour: int) -> dt.date | None:
    """The company's date whose greetings are due at ``moment``, or None before ``send_hour`` o'clock there.

    The job runs every hour rather than once a day: a consumer that was down at nine still greets later that
    day, and contacts added during the day are greeted too. The log makes the extra runs send nothing twice.
    """
    local = moment.astimezone(zoneinfo.ZoneInfo(SystemSettings.current().time_zone))
    return local.date() if local.hour >= send_hour else None


@db_periodic_task(crontab(minute="0"))
def send_greetings() -> None:
    if (today := greetings_due_at(timezone.now(), settings.CRM_CARE_SEND_HOUR)) is not None:
        send_due_greetings(today=today)
