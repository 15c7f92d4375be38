"""Follow-ups: logging one moves the customer's dates, reminds the owner, shows on the timeline and the due list."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.customers.models import Customer
from crm.customers.services import create_customer, log_activity, update_customer
from crm.notifications.models import Notification, Reminder
from crm.notifications.services import send_due_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return create_customer(actor=rep, data={"name": "宁波海天贸易"})


def test_logging_a_call_sets_the_dates_and_schedules_a_reminder(customer, rep):
    tomorrow = timezone.now() + dt.timedelta(days=1)
    log_activity(actor=rep, customer=customer, data={"kind": "call", "subject": "确认报价",
                                                     "next_follow_up_at": tomorrow})
    customer.refresh_from_db()
    assert customer.last_follow_up_at is not None and customer.next_follow_up_at == tomorrow
    reminder = Reminder.objects.get(recipient=rep)
    assert reminder.due_at == tomorrow and "宁波海天贸易" in reminder.display_title
    assert send_due_reminders(now=tomorrow + dt.timedelta(minutes=1)) == 1
    assert Notification.objects.filter(recipient=rep, url=customer.get_absolute_url()).exists()


def test_the_api_logs_follow_ups_with_validation(customer, rep, other_rep, api_client_for):
    client = api_client_for(rep)
    response = client.post("/api/v1/activities/", {"customer": customer.pk, "kind": "visit", "subject": "上门拜访"},
                           format="json")
    assert response.status_code == 201 and response.json()["kind"] == "visit"
    response = client.post("/api/v1/activities/", {"customer": customer.pk, "kind": "telepathy", "subject": "x"},
                           format="json")
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.post("/api/v1/activities/", {"customer": customer.pk, "kind": "call", "subject": "x",
                                                   "next_follow_up_at": past}, format="json")
    assert response.status_code == 400 and "next_follow_up_at" in response.json()["error"]["fields"]
    other = api_client_for(other_rep)
    assert other.get("/api/v1/activities/").json()["count"] == 0
    response = other.post("/api/v1/activities/", {"customer": customer.pk, "kind": "call", "subject": "x"},
                          format="json")
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]


def test_the_timeline_merges_follow_ups_and_changes_newest_first_and_pages(customer, rep, client_for):
    update_customer(actor=rep, customer=customer, data={"address": "宁波市鄞州区"})
    start = timezone.now() - dt.timedelta(days=30)
    for day in range(25):
        log_activity(actor=rep, customer=customer, data={"kind": "note", "subject": f"第{day}次跟进",
                                                         "occurred_at": start + dt.timedelta(days=day)})
    client = client_for(rep)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert "地址" in page and "宁波市鄞州区" in page  # the change is the newest entry
    assert "第24次跟进" in page and "第5次跟进" not in page
    assert 'id="timeline-more"' in page
    cursor = page.split("?before=")[1].split('"')[0]
    older = client.get(f"/customers/{customer.pk}/timeline/?before={cursor}").content.decode()
    assert "第5次跟进" in older and "第24次跟进" not in older


def test_the_due_list_shows_own_due_and_overdue_customers_only(customer, rep, other_rep, client_for):
    overdue = create_customer(actor=rep, data={"name": "过期客户"})
    later = create_customer(actor=rep, data={"name": "以后客户"})
    theirs = create_customer(actor=other_rep, data={"name": "别人的客户"})
    now = timezone.now()
    Customer.objects.filter(pk=overdue.pk).update(next_follow_up_at=now - dt.timedelta(days=2))
    Customer.objects.filter(pk=later.pk).update(next_follow_up_at=now + dt.timedelta(days=5))
    Customer.objects.filter(pk=theirs.pk).update(next_follow_up_at=now - dt.timedelta(days=1))
    page = client_for(rep).get("/customers/follow-ups/due/").content.decode()
    assert "过期客户" in page and "以后客户" not in page and "别人的客户" not in page


def test_the_timeline_hides_changes_to_fields_the_role_may_not_read(org, client_for):
    marketing = org["marketing1"]
    customer = create_customer(actor=marketing, data={"name": "市场客户"})
    update_customer(actor=marketing, customer=customer, data={"phone": "13700001111"})
    page = client_for(marketing).get(customer.get_absolute_url()).content.decode()
    assert "13700001111" not in page
