"""Bounds a business would use, on every door (issue 8, §3): a follow-up dated 9999 or 2500, a birthday in the
future, a first order after the last, pool days and lifecycle thresholds of 2^63, a day that does not exist,
Unicode digits and ids past 64 bits. Each is refused with a clear message and changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.customers.models import Activity, Contact, Customer, LifecyclePolicy, PoolRule
from crm.customers.services import create_customer

pytestmark = pytest.mark.django_db
HUGE = 99999999999999999999


@pytest.fixture
def customer(rep):
    return create_customer(actor=rep, data={"name": "边界测试客户"})


def fields_of(response) -> dict:
    return response.json()["error"]["fields"]


@pytest.mark.parametrize("when", ["9999-12-31T10:00:00+08:00", "2500-01-01T10:00:00+08:00", "1990-01-01T10:00:00",
                                  "0001-01-01T00:00:00+08:00"])
def test_a_follow_up_far_from_today_is_refused_by_the_api(api_client_for, manager, customer, when):
    response = api_client_for(manager).post("/api/v1/activities/", {
        "customer": customer.pk, "kind": "call", "subject": "x", "occurred_at": when}, format="json")
    assert response.status_code == 400, response.content
    assert "occurred_at" in fields_of(response)
    assert not Activity.objects.filter(customer=customer).exists()


def test_a_follow_up_far_from_today_is_refused_by_the_form_and_the_page_still_opens(client_for, rep, customer):
    client = client_for(rep)
    response = client.post(f"/customers/{customer.pk}/activities/new/", {
        "kind": "call", "subject": "x", "occurred_at": "9999-12-31T10:00"})
    assert response.status_code == 200 and "跟进时间须在" in response.content.decode()  # the rep reads Chinese
    assert not Activity.objects.filter(customer=customer).exists()
    assert client.get(customer.get_absolute_url()).status_code == 200


def test_a_next_follow_up_centuries_ahead_is_refused(api_client_for, rep, customer):
    response = api_client_for(rep).post("/api/v1/activities/", {
        "customer": customer.pk, "kind": "call", "subject": "x", "occurred_at": timezone.now().isoformat(),
        "next_follow_up_at": "2500-01-01T10:00:00+08:00"}, format="json")
    assert response.status_code == 400 and "next_follow_up_at" in fields_of(response)


def test_a_follow_up_of_last_year_is_fine(api_client_for, rep, customer):
    last_year = (timezone.now() - dt.timedelta(days=365)).isoformat()
    response = api_client_for(rep).post("/api/v1/activities/", {
        "customer": customer.pk, "kind": "call", "subject": "x", "occurred_at": last_year}, format="json")
    assert response.status_code == 201, response.content


def test_a_day_that_does_not_exist_is_no_such_date_not_a_wrong_format(api_client_for, rep, customer):
    client = api_client_for(rep)
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"first_order_at": "2026-02-30"}, format="json",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert fields_of(response)["first_order_at"] == ["There is no such date: 2026-02-30."]
    response = client.post("/api/v1/activities/", {"customer": customer.pk, "kind": "call", "subject": "x",
                                                   "occurred_at": "2026-02-30T10:00:00"}, format="json",
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert fields_of(response)["occurred_at"] == ["没有这一天：2026-02-30T10:00:00。"]
    # A real format error keeps DRF's message.
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"first_order_at": "30/02"}, format="json",
                            HTTP_ACCEPT_LANGUAGE="en")
    assert "wrong format" in fields_of(response)["first_order_at"][0]


def test_a_birthday_in_the_future_or_before_1900_is_refused(api_client_for, rep, customer):
    client = api_client_for(rep)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    for birthday in (tomorrow, "1899-12-31", "9999-12-31"):
        response = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "王五", "birthday": birthday},
                               format="json")
        assert response.status_code == 400 and "birthday" in fields_of(response), birthday
    assert not Contact.objects.filter(customer=customer).exists()
    response = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "王五", "birthday": "1985-06-01"},
                           format="json")
    assert response.status_code == 201


def test_a_birthday_in_the_future_is_refused_on_the_page_too(client_for, rep, customer):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_for(rep).post(f"/customers/{customer.pk}/contacts/new/", {"name": "王五", "birthday": tomorrow})
    assert response.status_code == 200 and "该日期晚于今天。" in response.content.decode()
    assert not Contact.objects.filter(customer=customer).exists()


def test_a_first_order_after_the_last_order_is_refused(api_client_for, rep, customer):
    response = api_client_for(rep).patch(f"/api/v1/customers/{customer.pk}/", {
        "first_order_at": "2024-05-01", "last_order_at": "2024-01-01"}, format="json")
    assert response.status_code == 400 and "last_order_at" in fields_of(response)
    response = api_client_for(rep).patch(f"/api/v1/customers/{customer.pk}/", {
        "first_order_at": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, format="json")
    assert response.status_code == 400 and "first_order_at" in fields_of(response)
    customer.refresh_from_db()
    assert customer.first_order_at is None and customer.last_order_at is None


@pytest.mark.parametrize("days", [2**63, 2**31, 3651])
def test_pool_days_past_ten_years_are_refused(api_client_for, admin_user, days):
    response = api_client_for(admin_user).post("/api/v1/pool-rules/", {"level": "", "days": days, "warn_days": 3},
                                               format="json")
    assert response.status_code == 400 and "days" in fields_of(response)
    assert not PoolRule.objects.exists()


def test_pool_days_past_ten_years_are_refused_on_the_page(client_for, admin_user):
    response = client_for(admin_user).post("/customers/pool/rules/new/", {
        "level": "", "days": str(2**63), "warn_days": "3", "is_active": "on"})
    assert response.status_code == 200 and not PoolRule.objects.exists()


def test_lifecycle_thresholds_past_ten_years_are_refused(api_client_for, admin_user):
    response = api_client_for(admin_user).patch("/api/v1/lifecycle-policy/", {"lost_days": 2**63}, format="json")
    assert response.status_code == 400 and "lost_days" in fields_of(response)
    assert LifecyclePolicy.current().lost_days == 365


@pytest.mark.parametrize("body", [{"merged": [HUGE]}, {"merged": [1], "survivor": HUGE},
                                  {"merged": [1], "fields": {"name": HUGE}}])
def test_merge_with_an_id_past_64_bits_is_a_400(api_client_for, manager, customer, body):
    response = api_client_for(manager).post("/api/v1/customers/merge/", {"survivor": customer.pk, **body},
                                            format="json")
    assert response.status_code == 400, response.content


def test_bulk_with_an_id_past_64_bits_is_a_400(api_client_for, manager, customer):
    response = api_client_for(manager).post("/api/v1/customers/bulk/", {"action": "tag", "ids": [HUGE],
                                                                        "tags": ["t"]}, format="json")
    assert response.status_code == 400 and "ids" in fields_of(response)


def test_the_bulk_page_skips_unicode_digits_and_huge_ids(client_for, rep, customer):
    response = client_for(rep).post("/customers/bulk/", {"action": "tag", "ids": ["²", str(HUGE), str(customer.pk)],
                                                         "tags": "要跟进", "owner": "²"})
    assert response.status_code == 302
    assert list(Customer.objects.get(pk=customer.pk).tags.values_list("name", flat=True)) == ["要跟进"]


def test_the_timeline_ignores_a_cursor_that_names_no_moment(client_for, rep, customer):
    response = client_for(rep).get(f"/customers/{customer.pk}/timeline/?before=2024-13-45T00:00:00")
    assert response.status_code == 200
