"""In headless Chromium: the customer page's panels, the home page's widgets, and the base list view's columns
and saved views on a second list (the public pool)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from crm.customers.models import Customer
from crm.customers.services import create_contact, create_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_customer_page_shows_its_contacts_and_possible_duplicates(org, page, login):
    rep = org["sales1"]
    customer = create_customer(actor=rep, data={"name": "杭州云帆科技", "phone": "0571-88886666"})
    create_customer(actor=rep, data={"name": "云帆科技（杭州）", "phone": "0571-88886666"})
    create_contact(actor=rep, customer=customer, data={"name": "张三", "mobile": "13800138000"})

    login("sales1")
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    assert page.locator("[data-panel=contacts] #contacts").get_by_text("张三").is_visible()
    page.wait_for_selector("#possible-duplicates >> text=云帆科技（杭州）")


def test_the_home_page_shows_the_reps_due_follow_ups(org, page, login):
    rep = org["sales1"]
    due = create_customer(actor=rep, data={"name": "逾期未跟进的客户"})
    Customer.objects.filter(pk=due.pk).update(next_follow_up_at=timezone.now() - dt.timedelta(hours=3))

    login("sales1")
    page.goto(f"{page.base_url}/")
    widget = page.locator("[data-widget='customers.due_follow_ups']")
    assert widget.get_by_text("逾期未跟进的客户").is_visible()
    assert page.locator("[data-widget='customers.by_stage']").is_visible()
    widget.get_by_text("逾期未跟进的客户").click()
    page.wait_for_url(re.compile(rf"/customers/{due.pk}/$"))


def test_pool_columns_are_chosen_and_kept_in_a_default_saved_view(org, page, login):
    # The city: a column of the pool's own field list (phone and e-mail wait for a claim).
    customer = create_customer(actor=org["sales2"], data={"name": "公海里的公司", "city": "嘉兴市"})
    Customer.objects.filter(pk=customer.pk).update(owner=None, pool_entered_at=timezone.now())
    city = "嘉兴市"

    login("sales1")
    page.goto(f"{page.base_url}/customers/pool/")
    assert page.locator("#pool-table").get_by_text(city).count() == 0
    page.click("#columns-menu")
    page.check("#col-city")
    page.locator("#pool-filters").get_by_role("button", name="应用").click()
    page.wait_for_url(re.compile(r"col=city"))
    assert page.locator("#pool-table").get_by_text(city).is_visible()

    page.click("#saved-views-menu")
    page.fill("#save-view-form input[name=name]", "带城市")
    page.check("#view-default")
    page.locator("#save-view-form button").click()
    page.wait_for_url(re.compile(r"view=\d+"))

    page.goto(f"{page.base_url}/customers/pool/")
    page.wait_for_url(re.compile(r"view=\d+"))
    assert page.locator("#saved-views-menu").inner_text().strip() == "带城市"
    assert page.locator("#pool-table").get_by_text(city).is_visible()
