"""The customers' notifications and reminders read in the reader's language, whoever caused them and in whatever
language that person works: the row keeps the message untranslated and each door words it when it is read."""

import datetime as dt
from email.header import decode_header, make_header

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from crm.customers.messages import RETURNING_SOON
from crm.customers.services import create_customer, log_activity
from crm.notifications.models import Notification, Reminder
from crm.notifications.services import notify, send_due_reminders

TOMORROW = timezone.now() + dt.timedelta(days=1)


def subject(mail) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def speaks(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def customer(rep):
    return create_customer(actor=rep, data={"name": "宁波海天贸易"})


def a_follow_up_by(actor, customer, django_capture_on_commit_callbacks):
    """``actor`` logs a call with a next date, working in their own language; the reminder falls due."""
    with translation.override(actor.language):
        log_activity(actor=actor, customer=customer, data={"kind": "call", "subject": "确认报价 (quote)",
                                                           "next_follow_up_at": TOMORROW})
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(now=TOMORROW + dt.timedelta(minutes=1)) == 1
    return Notification.objects.get(recipient=customer.owner)


def test_a_reminder_a_chinese_speaking_manager_scheduled_reads_in_english_to_the_owner(
        customer, rep, manager, client_for, api_client_for, smtp, django_capture_on_commit_callbacks):
    speaks(manager, "zh-hans")
    speaks(rep, "en")
    notice = a_follow_up_by(manager, customer, django_capture_on_commit_callbacks)

    # Nothing in the rows is in the manager's language: the words come when the rep reads them.
    stored = Reminder.objects.get(recipient=rep)
    assert (stored.kind, stored.title, notice.title) == ("customers.follow_up_due", "", "")
    page = client_for(rep)
    for url in (reverse("notifications:list"), reverse("home")):
        text = page.get(url).content.decode()
        assert "Follow up with 宁波海天贸易" in text and "跟进客户" not in text, url
    assert "确认报价 (quote)" in page.get(reverse("notifications:list")).content.decode()  # as the manager typed it
    api = api_client_for(rep).get("/api/v1/notifications/").json()["results"][0]
    assert (api["title"], api["body"]) == ("Follow up with 宁波海天贸易", "确认报价 (quote)")
    # The e-mail too, though the worker runs in the site's language (Chinese).
    [mail] = smtp.to(rep.email)
    assert subject(mail) == "Follow up with 宁波海天贸易"


def test_a_reminder_an_english_speaking_manager_scheduled_reads_in_chinese_to_the_owner(
        customer, rep, manager, client_for, api_client_for, smtp, django_capture_on_commit_callbacks):
    speaks(manager, "en")
    speaks(rep, "zh-hans")
    a_follow_up_by(manager, customer, django_capture_on_commit_callbacks)

    text = client_for(rep).get(reverse("notifications:list")).content.decode()
    assert "跟进客户：宁波海天贸易" in text and "Follow up with" not in text
    assert api_client_for(rep).get("/api/v1/notifications/").json()["results"][0]["title"] == "跟进客户：宁波海天贸易"
    [mail] = smtp.to(rep.email)
    assert subject(mail) == "跟进客户：宁波海天贸易"


def test_without_a_preferred_language_the_mail_goes_in_the_sites(customer, rep, manager, smtp, settings,
                                                                 django_capture_on_commit_callbacks):
    speaks(manager, "en")
    speaks(rep, "")
    settings.LANGUAGE_CODE = "en"
    a_follow_up_by(manager, customer, django_capture_on_commit_callbacks)
    assert subject(smtp.to(rep.email)[0]) == "Follow up with 宁波海天贸易"


def test_the_pool_warning_counts_and_dates_in_the_readers_language(rep):
    returns = dt.datetime(2026, 12, 24, 20, 0, tzinfo=dt.UTC)  # 25 December in Shanghai, the site's time zone
    notice = notify(rep, RETURNING_SOON(count=32, customers=[{"customer": "宁波海天贸易",
                                                                "returns_at": returns.isoformat()}], more=31))
    with translation.override("en"):
        assert notice.display_title == "32 customers will return to the public pool soon"
        assert notice.display_body.splitlines() == ["Log a follow-up to keep them:",
                                                    "宁波海天贸易 — returns on 2026-12-25", "… and 31 more"]
    with translation.override("zh-hans"):
        assert notice.display_title == "32 个客户即将退回公海"
        assert notice.display_body.startswith("写一条跟进即可保留：\n宁波海天贸易")


def test_a_notification_written_before_keeps_its_literal_text_and_an_unknown_kind_does_not_break_the_page(
        rep, client_for):
    Notification.objects.create(recipient=rep, title="3 个客户即将退回公海", body="旧的正文")
    Notification.objects.create(recipient=rep, kind="gone.module", params={"x": 1})
    Notification.objects.create(recipient=rep, kind="customers.follow_up_due", params={})  # params of another time
    response = client_for(rep).get(reverse("notifications:list"))
    text = response.content.decode()
    assert response.status_code == 200 and "3 个客户即将退回公海" in text and "旧的正文" in text
