"""Lifecycle stages: computed for each case by the set-based job and by compute_stage alike, kept when set by hand,
and changed through the page and the API."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.audit.models import AuditEvent
from crm.customers.models import Activity, Customer, LifecyclePolicy
from crm.customers.services import create_customer, log_activity
from crm.customers.services.lifecycle import (
    compute_stage,
    refresh_lifecycle_stages,
    set_stage_by_hand,
    unlock_stage,
    update_lifecycle_policy,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()
Stage = Customer.Stage


def days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def make(
    rep, name: str, *, follow_ups: tuple[int, ...] = (), first_order: int | None = None, last_order: int | None = None
) -> Customer:
    customer = create_customer(actor=rep, data={"name": name})
    for ago in follow_ups:
        log_activity(actor=rep, customer=customer, data={"kind": "call", "subject": name, "occurred_at": days_ago(ago)})
    Customer.objects.filter(pk=customer.pk).update(
        first_order_at=days_ago(first_order).date() if first_order is not None else None,
        last_order_at=days_ago(last_order).date() if last_order is not None else None,
    )
    customer.refresh_from_db()
    return customer


# The default policy: new for 30 days, active within 90, lost after 365.
CASES = {
    "nothing yet": ({}, Stage.PROSPECT),
    "first order last week": ({"first_order": 7, "last_order": 7}, Stage.NEW),
    "first follow-up last week": ({"follow_ups": (5,)}, Stage.NEW),
    "long-known, followed up lately": ({"follow_ups": (200, 20)}, Stage.ACTIVE),
    "old first order, recent follow-up": ({"first_order": 400, "last_order": 400, "follow_ups": (5,)}, Stage.ACTIVE),
    "ordered 50 days ago": ({"first_order": 400, "last_order": 50}, Stage.ACTIVE),
    "quiet for 120 days": ({"follow_ups": (120,)}, Stage.DORMANT),
    "last order 200 days ago": ({"first_order": 500, "last_order": 200}, Stage.DORMANT),
    "quiet for 400 days": ({"follow_ups": (400,)}, Stage.LOST),
}


def test_the_job_and_compute_stage_give_each_case_its_stage(rep):
    customers = {name: make(rep, name, **kwargs) for name, (kwargs, _stage) in CASES.items()}
    Customer.objects.update(lifecycle_stage=Stage.LOST)  # start from a wrong stage everywhere

    refresh_lifecycle_stages(NOW)

    policy = LifecyclePolicy.current()
    for name, (_kwargs, expected) in CASES.items():
        customer = Customer.objects.get(pk=customers[name].pk)
        assert (name, customer.lifecycle_stage) == (name, expected)
        assert (name, compute_stage(customer, policy=policy, now=NOW)) == (name, expected)


def test_a_stage_set_by_hand_is_kept_by_the_job_until_unlocked(rep):
    customer = make(rep, "手动客户", follow_ups=(1,))
    set_stage_by_hand(actor=rep, customer=customer, stage=Stage.LOST)
    refresh_lifecycle_stages(NOW)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.LOST and customer.lifecycle_locked
    event = AuditEvent.objects.filter(object_id=str(customer.pk), action=AuditEvent.Action.UPDATE).first()
    assert event.changes["lifecycle_stage"] == ["prospect", "lost"] and event.actor == rep

    unlock_stage(actor=rep, customer=customer, now=NOW)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.NEW and not customer.lifecycle_locked


def test_the_job_is_a_fixed_number_of_queries_and_writes_only_changes(rep, django_assert_max_num_queries):
    for n in range(30):
        make(rep, f"客户{n}", follow_ups=(n * 20,) if n % 3 else ())
    LifecyclePolicy.current()
    with django_assert_max_num_queries(6):  # the policy, then one UPDATE per stage — whatever the customer count
        first = refresh_lifecycle_stages(NOW)
    assert sum(first.values()) > 0
    assert sum(refresh_lifecycle_stages(NOW).values()) == 0  # nothing changed, nothing written


def test_thresholds_from_the_policy_apply(rep, admin_user):
    customer = make(rep, "阈值客户", follow_ups=(100,))
    refresh_lifecycle_stages(NOW)
    assert Customer.objects.get(pk=customer.pk).lifecycle_stage == Stage.DORMANT
    update_lifecycle_policy(actor=admin_user, data={"active_days": 120})
    refresh_lifecycle_stages(NOW)
    assert Customer.objects.get(pk=customer.pk).lifecycle_stage == Stage.ACTIVE


def test_thresholds_must_grow_and_only_admins_change_them(rep, admin_user):
    with pytest.raises(ValidationError):
        update_lifecycle_policy(actor=admin_user, data={"new_days": 100, "active_days": 90})
    assert LifecyclePolicy.current().new_days == 30
    from crm.core.errors import DomainError

    with pytest.raises(DomainError):
        update_lifecycle_policy(actor=rep, data={"lost_days": 500})


def test_the_first_follow_up_counts_even_when_activities_were_logged_out_of_order(rep):
    customer = make(rep, "乱序客户", follow_ups=(3,))
    Activity.objects.create(customer=customer, kind="call", subject="早前", occurred_at=days_ago(60))
    refresh_lifecycle_stages(NOW)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.ACTIVE == compute_stage(customer, now=NOW)


# --- Doors -----------------------------------------------------------------------------------------------------


def test_the_page_sets_and_unlocks_the_stage(rep, other_rep, client_for):
    customer = make(rep, "页面客户")
    client = client_for(rep)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert 'id="stage-menu"' in page
    client.post(f"/customers/{customer.pk}/lifecycle/", {"stage": "active"}, follow=True)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.ACTIVE and customer.lifecycle_locked
    response = client.post(f"/customers/{customer.pk}/lifecycle/", {"stage": "bogus"}, follow=True)
    with translation.override("zh-hans"):
        assert [str(m) for m in response.context["messages"]] == [_("Choose a valid lifecycle stage.")]
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.ACTIVE
    client.post(f"/customers/{customer.pk}/lifecycle/", {"unlock": "1"})
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.PROSPECT and not customer.lifecycle_locked
    assert client_for(other_rep).post(f"/customers/{customer.pk}/lifecycle/", {"stage": "lost"}).status_code == 404


def test_the_api_sets_and_unlocks_the_stage_with_clear_errors(rep, other_rep, api_client_for):
    customer = make(rep, "接口客户")
    client = api_client_for(rep)
    response = client.post(f"/api/v1/customers/{customer.pk}/lifecycle/", {"stage": "dormant"}, format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.DORMANT and customer.lifecycle_locked
    response = client.post(f"/api/v1/customers/{customer.pk}/lifecycle/", {"stage": "zombie"}, format="json")
    assert response.status_code == 400 and "stage" in response.json()["error"]["fields"]
    response = client.post(f"/api/v1/customers/{customer.pk}/lifecycle/", "{oops", content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"/api/v1/customers/{customer.pk}/lifecycle/unlock/", format="json")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert not customer.lifecycle_locked
    other = api_client_for(other_rep)
    assert (
        other.post(f"/api/v1/customers/{customer.pk}/lifecycle/", {"stage": "lost"}, format="json").status_code == 404
    )


def test_the_policy_api_reads_for_admins_and_refuses_bad_thresholds(rep, admin_user, api_client_for):
    admin = api_client_for(admin_user)
    assert admin.get("/api/v1/lifecycle-policy/").json()["active_days"] == 90
    response = admin.put(
        "/api/v1/lifecycle-policy/", {"new_days": 10, "active_days": 60, "lost_days": 200}, format="json"
    )
    assert response.status_code == 200 and LifecyclePolicy.current().active_days == 60
    response = admin.patch("/api/v1/lifecycle-policy/", {"lost_days": 30}, format="json")
    assert response.status_code == 400 and response.json()["error"]["message"]
    response = admin.patch("/api/v1/lifecycle-policy/", {"lost_days": "many"}, format="json")
    assert response.status_code == 400 and "lost_days" in response.json()["error"]["fields"]
    assert LifecyclePolicy.current().lost_days == 200
    assert api_client_for(rep).put("/api/v1/lifecycle-policy/", {"lost_days": 500}, format="json").status_code == 403
