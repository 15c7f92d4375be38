"""In headless Chromium, both languages, a desktop and a phone: a rep works a customer from its page — starts a
WeChat follow-up from a contact, logs it without leaving the page, and sees the timeline and key facts move. On a
phone the page is tabs; nothing scrolls sideways."""

from __future__ import annotations

import pytest

from crm.customers.models import Activity
from crm.customers.services import create_contact, create_customer
from tests_support import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {"zh-CN": {"related": "相关", "details": "详情", "logged": "跟进记录已保存。", "wechat": "微信"},
        "en-US": {"related": "Related", "details": "Details", "logged": "Follow-up logged.", "wechat": "WeChat"}}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_rep_logs_a_wechat_follow_up_with_a_contact_without_leaving_the_page(org, chromium, live_server, locale,
                                                                              size, screenshot):
    rep = org["sales1"]
    customer = create_customer(actor=rep, data={"name": "宁波港城物流", "phone": "0574-87654321", "owner": rep})
    create_contact(actor=rep, customer=customer, data={"name": "周敏", "mobile": "13900001111", "is_primary": True})
    colleague = create_contact(actor=rep, customer=customer, data={"name": "吴刚", "mobile": "13900002222"})
    context, page = signed_in(chromium, live_server, "sales1", locale=locale, size=size)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    text = TEXT[locale]

    assert page.locator("#call-customer").get_attribute("href") == "tel:057487654321"
    if size == "phone":  # tabs: the timeline first, the details and contacts a tap away
        assert page.locator("#customer-fields").is_hidden()
        page.get_by_role("tab", name=text["details"]).click()
        assert page.locator("#customer-fields").is_visible()
        page.get_by_role("tab", name=text["related"]).click()
    else:  # side by side
        assert page.locator("#customer-fields").is_visible() and page.locator("#activity-composer").is_visible()
    screenshot(page, f"record-{locale}-{size}")

    # From the second contact's card: the composer, that contact chosen (on a phone its tab comes forward).
    page.locator(f"#contact-{colleague.pk} [data-compose-contact]").click()
    assert page.locator("#composer-subject").is_visible()
    assert page.evaluate("document.activeElement.id") == "composer-subject"
    assert page.locator("#composer-contact").input_value() == str(colleague.pk)
    page.locator("#composer-kinds label", has_text=text["wechat"]).click()
    page.fill("#composer-subject", "微信确认到货时间")
    page.fill("#composer-next_follow_up_at", "2027-01-08T09:30")
    page.click("#composer-save")
    page.locator("#composer-saved").wait_for()
    assert page.locator("#composer-saved").inner_text() == text["logged"]
    assert page.url.endswith(customer.get_absolute_url())  # never left the page
    assert page.locator("#timeline .timeline-entry").first.inner_text().count("微信确认到货时间") == 1
    assert "2027-01-08 09:30" in page.locator('[data-fact="next_follow_up_at"]').inner_text()
    assert page.locator("#composer-subject").input_value() == ""  # ready for the next one
    activity = Activity.objects.get(customer=customer)
    assert (activity.kind, activity.contact_id) == ("wechat", colleague.pk)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"record-logged-{locale}-{size}")
    context.close()
