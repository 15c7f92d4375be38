"""Notifications in the app and by e-mail (through a real SMTP server), and reminders delivered once."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.notifications.models import Notification
from crm.notifications.services import notify, schedule_reminder, send_due_reminders
from crm.notifications.tasks import deliver_due_reminders
from crm.testing_app.messages import NOTE

pytestmark = pytest.mark.django_db(transaction=True)


def test_notify_with_email_delivers_a_mail_through_smtp(smtp, rep):
    notify(rep, NOTE(title="客户即将进入公海", body="华为技术 3 天后回到公海"), url="/customers/1/", email=True)
    assert len(smtp.envelopes) == 1
    message = smtp.envelopes[0]
    assert message.rcpt_tos == [rep.email]
    assert "/customers/1/" in message.content.decode()
    assert Notification.objects.filter(recipient=rep, read_at__isnull=True).count() == 1


def test_a_due_reminder_is_delivered_once_even_if_the_task_runs_twice(smtp, rep):
    schedule_reminder(actor=rep, recipient=rep, due_at=timezone.now() - dt.timedelta(minutes=1),
                      message=NOTE(title="回访客户"))
    schedule_reminder(actor=rep, recipient=rep, due_at=timezone.now() + dt.timedelta(days=1),
                      message=NOTE(title="明天再说"))
    deliver_due_reminders.call_local()
    assert send_due_reminders() == 0
    assert [n.display_title for n in Notification.objects.filter(recipient=rep)] == ["回访客户"]
    assert len(smtp.envelopes) == 1


def test_the_bell_shows_the_unread_count_and_the_centre_marks_read(client_for, rep):
    first = notify(rep, NOTE(title="一"))
    notify(rep, NOTE(title="二"))
    client = client_for(rep)
    assert b">2<" in client.get(reverse("notifications:badge")).content
    client.post(reverse("notifications:read", args=[first.pk]))
    assert b">1<" in client.get(reverse("notifications:badge")).content
    client.post(reverse("notifications:read_all"))
    assert client.get(reverse("notifications:badge")).content == b""


def test_nobody_reads_or_marks_another_users_notifications(client_for, api_client_for, rep, other_rep):
    theirs = notify(other_rep, NOTE(title="私密"))
    assert client_for(rep).post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert "私密" not in client_for(rep).get(reverse("notifications:list")).content.decode()
    api = api_client_for(rep)
    assert api.get("/api/v1/notifications/").json()["count"] == 0
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_message_of_a_kind_nobody_registered_is_refused_when_written(rep):
    from crm.notifications.messages import Message

    with pytest.raises(ValueError, match="not registered"):
        notify(rep, Message("nobody.registered", {"x": 1}))
    with pytest.raises(ValueError, match="not registered"):
        schedule_reminder(actor=rep, recipient=rep, due_at=timezone.now(), message=Message("nobody.registered"))
    assert not Notification.objects.exists()
