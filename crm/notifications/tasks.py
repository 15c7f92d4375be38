from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.notifications.mail import purge_outbox
from crm.notifications.models import Notification
from crm.notifications.services import send_due_reminders


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email:
        return
    link = f"\n\n{settings.CRM_SITE_URL}{notification.url}" if notification.url.startswith("/") else ""
    # In the recipient's language, whoever caused the message and whatever language the worker runs in.
    with translation.override(notification.recipient.language or settings.LANGUAGE_CODE):
        subject, body = notification.display_title, notification.display_body
    send_mail(subject, f"{body}{link}", None, [notification.recipient.email])


@db_periodic_task(crontab(minute="*"))
def deliver_due_reminders() -> None:
    send_due_reminders()


@db_periodic_task(crontab(hour="3", minute="40"))
def purge_old_outbox_messages() -> None:
    purge_outbox()
