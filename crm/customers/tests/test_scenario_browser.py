"""The customers issue's scenario, end to end in headless Chromium: a rep's customer from creation to the pool."""

import datetime
import re

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_out(page):
    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login/"))


def test_a_customer_from_creation_to_the_other_reps_claim_from_the_pool(org, page, login):
    from crm.customers.models import Customer

    # 张伟 creates a customer, adds a contact and logs a call with a next follow-up.
    login("sales1")
    page.goto(f"{page.base_url}/customers/new/")
    page.fill("#id_name", "钱江智造科技有限公司")
    page.fill("#id_phone", "0571-86001234")
    page.fill("#id_tags", "重点客户")
    page.click("#save")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    detail_url = page.url

    page.click("#new-contact")
    page.fill("#id_name", "周文")
    page.fill("#id_mobile", "+86 139 0571 0001")
    page.click("#save")
    page.wait_for_url(detail_url)
    assert page.locator("#contacts").get_by_text("139****0001").is_visible()

    # The call is logged from the timeline's composer, without leaving the page.
    page.click("label[for=composer-kind_0]")  # 电话
    page.fill("#composer-subject", "首次电话沟通")
    soon = (timezone.localtime() + datetime.timedelta(days=30)).strftime("%Y-%m-%dT10:00")
    page.fill("#composer-next_follow_up_at", soon)  # within the bound of five years
    page.click("#composer-save")
    page.locator("#composer-saved").wait_for()
    assert page.url == detail_url
    assert page.locator("#timeline").get_by_text("首次电话沟通").is_visible()

    # Found by the pinyin initials of its name (钱江智造 → qjzz) and opened from the search.
    page.fill("#global-search", "qjzz")
    page.locator("#search-results").get_by_text("钱江智造科技有限公司").click()
    page.wait_for_url(detail_url)
    assert page.locator("#customer-tags").get_by_text("重点客户").is_visible()
    _log_out(page)

    # 李娜 of 销售二部 can neither find it nor open it, nor read its contact through the API door.
    login("sales2")
    page.goto(f"{page.base_url}/search/?q=qjzz")
    assert page.get_by_text("钱江智造科技有限公司").count() == 0
    page.goto(f"{page.base_url}/customers/")
    assert page.get_by_text("钱江智造科技有限公司").count() == 0
    assert page.goto(detail_url).status == 404
    customer = Customer.objects.get(name="钱江智造科技有限公司")
    assert page.request.get(f"{page.base_url}/api/v1/customers/{customer.pk}/").status == 404

    # The customer goes quiet; the pool rule returns it, and 李娜 claims it from the pool.
    from datetime import timedelta

    from crm.customers.models import PoolRule
    from crm.customers.services.pool import return_idle_customers

    PoolRule.objects.update_or_create(level="", defaults={"days": 30, "warn_days": 3, "is_active": True})
    quiet_since = timezone.now() - timedelta(days=31)
    Customer.objects.filter(pk=customer.pk).update(last_follow_up_at=quiet_since, created_at=quiet_since,
                                                   idle_since=quiet_since)
    return_idle_customers(now=timezone.now())
    customer.refresh_from_db()
    assert customer.in_pool

    page.goto(f"{page.base_url}/customers/pool/")
    row = page.locator("tr", has_text="钱江智造科技有限公司")
    row.get_by_role("button").first.click()
    page.wait_for_load_state()
    customer.refresh_from_db()
    assert customer.owner == org["sales2"] and not customer.in_pool
    assert page.goto(detail_url).status == 200
    assert page.get_by_text("钱江智造科技有限公司").first.is_visible()
