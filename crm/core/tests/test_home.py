"""The platform's home-page widgets: recently viewed records (live, within the viewer's scope) and the task
queue's health for administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from crm.core.models import RecentView
from crm.core.recent import KEPT, recently_viewed
from crm.core.tasks import heartbeat
from crm.core.widgets import HEARTBEAT_KEY, LAST_ERROR_KEY, task_queue_widget
from crm.customers.models import Customer
from crm.customers.services import create_customer

pytestmark = pytest.mark.django_db


def widget(client, code: str) -> str:
    return next(w.html for w in client.get("/").context["widgets"] if w.code == code)


def test_opening_records_lists_them_most_recent_first(client_for, rep):
    first = create_customer(actor=rep, data={"name": "先看的客户"})
    second = create_customer(actor=rep, data={"name": "后看的客户"})
    client = client_for(rep)
    client.get(f"/customers/{first.pk}/")
    client.get(f"/customers/{second.pk}/")
    assert recently_viewed(rep) == [second, first]
    client.get(f"/customers/{first.pk}/")  # opened again: back on top, still one row
    assert recently_viewed(rep) == [first, second]
    assert RecentView.objects.filter(user=rep).count() == 2
    html = widget(client, "core.recently_viewed")
    assert html.index("先看的客户") < html.index("后看的客户")


def test_a_record_reassigned_away_drops_out_of_recently_viewed(client_for, rep, other_rep):
    customer = create_customer(actor=rep, data={"name": "已转给别人的客户"})
    client = client_for(rep)
    client.get(f"/customers/{customer.pk}/")
    Customer.objects.filter(pk=customer.pk).update(owner=other_rep, department=other_rep.department)
    assert recently_viewed(rep) == []
    assert "已转给别人的客户" not in widget(client, "core.recently_viewed")


def test_a_page_the_user_may_not_open_is_not_recorded(client_for, rep, other_rep):
    theirs = create_customer(actor=other_rep, data={"name": "别人的客户"})
    assert client_for(rep).get(f"/customers/{theirs.pk}/").status_code == 404
    assert not RecentView.objects.filter(user=rep).exists()


def test_only_the_latest_records_are_kept(client_for, rep):
    customers = [create_customer(actor=rep, data={"name": f"客户{i}"}) for i in range(KEPT + 3)]
    client = client_for(rep)
    for customer in customers:
        client.get(f"/customers/{customer.pk}/")
    assert RecentView.objects.filter(user=rep).count() == KEPT
    assert recently_viewed(rep, limit=1) == [customers[-1]]


def test_the_task_queue_widget_tells_a_running_worker_from_a_silent_one(admin_user, settings):
    HUEY.get(HEARTBEAT_KEY)  # nothing from an earlier test
    assert task_queue_widget(admin_user)["running"] is False
    heartbeat.call_local()
    state = task_queue_widget(admin_user)
    assert state["running"] is True and state["pending"] == 0
    HUEY.put(HEARTBEAT_KEY, timezone.now() - dt.timedelta(minutes=10))
    assert task_queue_widget(admin_user)["running"] is False
    HUEY.get(HEARTBEAT_KEY)


def test_a_failed_task_is_shown_to_the_admin_only(client_for, admin_user, rep):
    HUEY.put(LAST_ERROR_KEY, {"task": "send_reminders", "error": "SMTPException", "at": timezone.now()})
    try:
        assert "send_reminders" in widget(client_for(admin_user), "core.task_queue")
        assert "core.task_queue" not in {w.code for w in client_for(rep).get("/").context["widgets"]}
    finally:
        HUEY.get(LAST_ERROR_KEY)
