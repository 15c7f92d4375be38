"""In headless Chromium, both languages, a desktop and a phone: a rep's home page tells them what is due and
logs a follow-up in one step; a manager's draws the team's charts. Nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm.customers.models import Activity, Customer
from crm.customers.services import create_customer, log_activity
from crm.customers.services.pool import release_to_pool
from tests_support import SCREEN_SIZES as SIZES
from tests_support import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {"zh-CN": {"log": "写跟进", "save": "保存", "overdue": "已逾期", "logged": "跟进记录已保存。"},
        "en-US": {"log": "Log a follow-up", "save": "Save", "overdue": "Overdue", "logged": "Follow-up logged."}}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_rep_logs_a_due_follow_up_from_the_home_page_in_one_step(org, chromium, live_server, locale, size,
                                                                    screenshot):
    rep = org["sales1"]
    due = create_customer(actor=rep, data={"name": "杭州逾期未跟进科技"})
    Customer.objects.filter(pk=due.pk).update(next_follow_up_at=timezone.now() - dt.timedelta(hours=3))
    context, page = signed_in(chromium, live_server, "sales1", locale=locale, size=size)
    try:
        widget = page.locator("[data-widget='customers.due_follow_ups']")
        row = widget.locator(f"[data-customer='{due.pk}']")
        assert row.get_by_text("杭州逾期未跟进科技").is_visible()
        assert row.get_by_text(TEXT[locale]["overdue"]).is_visible()
        assert page.locator("[data-widget='customers.by_stage'] [data-chart] svg").count() == 1  # drawn
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        screenshot(page, "home")

        row.get_by_text(TEXT[locale]["log"]).click()
        row.locator("select[name=kind]").select_option("visit")
        row.locator("input[name=subject]").fill("上门拜访，客户确认下月下单")
        row.locator("input[name=next_follow_up_at]").fill(
            (timezone.localtime() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
        row.get_by_role("button", name=TEXT[locale]["save"]).click()
        page.wait_for_load_state()

        assert page.url.rstrip("/") == live_server.url  # back home, not on the customer's page
        assert page.get_by_text(TEXT[locale]["logged"]).is_visible()
        assert not page.locator(f"[data-widget='customers.due_follow_ups'] [data-customer='{due.pk}']").count()
        activity = Activity.objects.get(customer=due)
        assert (activity.kind, activity.subject, activity.created_by) == ("visit", "上门拜访，客户确认下月下单", rep)
    finally:
        context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_manager_sees_the_team_charts(org, chromium, live_server, locale, size, screenshot):
    for owner in (org["sales1"], org["sales2"]):
        customer = create_customer(actor=owner, data={"name": f"{owner.name}的客户"})
        log_activity(actor=owner, customer=customer, data={"kind": "call", "subject": "电话沟通"})
        Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=timezone.now() - dt.timedelta(days=1))
    release_to_pool(actor=org["sales2"], customer=create_customer(actor=org["sales2"], data={"name": "放弃的客户"}),
                    reason="no_need")
    context, page = signed_in(chromium, live_server, "manager", locale=locale, size=size)
    try:
        for code in ("customers.team_activity", "customers.team_overdue", "customers.team_stages",
                     "customers.pool_flow"):
            assert page.locator(f"[data-widget='{code}'] [data-chart] svg").count() == 1, code
        table = page.locator("[data-widget='customers.team_overdue'] details")
        table.locator("summary").click()
        assert table.get_by_text("张伟").is_visible() and table.get_by_text("李娜").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        screenshot(page, "home")
    finally:
        context.close()
