"""In headless Chromium, both languages, a desktop and a phone: a manager works the customer list — filters and
sorts it without the page reloading (the address follows, Back goes back), deletes two customers after a
confirmation that names them, and undoes it. On a phone the rows are cards, the page actions one menu, and
nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest

from crm.customers.models import Customer
from crm.customers.services import create_customer
from tests_support import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {"zh-CN": {"delete": "删除", "new": "新建客户"}, "en-US": {"delete": "Delete", "new": "New customer"}}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_manager_filters_sorts_deletes_with_confirmation_and_undoes(org, chromium, live_server, locale, size,
                                                                     screenshot):
    for name, level in (("甲级客户一", "A"), ("甲级客户二", "A"), ("乙级客户", "B")):
        create_customer(actor=org["sales1"], data={"name": name, "level": level, "phone": "0571-88886666"})
    context, page = signed_in(chromium, live_server, "manager", locale=locale, size=size)
    text = TEXT[locale]
    page.goto(f"{live_server.url}/customers/?sort=name")
    page.evaluate("window.__samePage = true")  # gone if the browser loads a new page

    if size == "phone":  # the filters fold behind one button; the page actions behind another
        assert page.locator("#customer-table thead").is_hidden()
        assert page.locator("#page-actions-toggle").is_visible() and page.locator("#new-customer").is_hidden()
        page.click("#page-actions-toggle")
        assert page.locator("#new-customer").is_visible() and text["new"] in page.locator("#new-customer").inner_text()
        page.click("#page-actions-toggle")
        page.click("#list-more-filters-toggle")
    else:
        assert page.locator("#page-actions-toggle").is_hidden() and page.locator("#new-customer").is_visible()
    page.select_option("#customer-filters select[name=level]", "A")
    page.wait_for_url(re.compile(r"level=A"))
    rows = page.locator("#customer-table tbody tr")
    page.wait_for_function("document.querySelectorAll('#customer-table tbody tr').length === 2")
    assert sorted(rows.locator(".crm-card-title").all_inner_texts()) == ["甲级客户一", "甲级客户二"]
    assert page.evaluate("window.__samePage") is True
    # The export follows the filter (its link was swapped with the results).
    assert "level=A" in page.locator("[data-export-format=csv]").first.get_attribute("href")

    if size == "phone":  # no header to click: the sort picker
        page.select_option("#list-sort select", "-name")
    else:
        page.locator("#customer-table thead a").first.click()  # Name, already ascending: now descending
    page.wait_for_url(re.compile(r"sort=-name"))
    page.wait_for_function("document.querySelector('#customer-table tbody .crm-card-title').innerText === '甲级客户二'")
    assert page.evaluate("window.__samePage") is True
    if size == "phone":
        card = rows.first
        assert card.locator("a[href^='tel:']").get_attribute("href") == "tel:057188886666"
        assert card.locator("td[data-label]").count() >= 4
    screenshot(page, f"list-filtered-{locale}-{size}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.go_back()
    page.wait_for_url(re.compile(r"sort=name(&|$)"))
    page.wait_for_function("document.querySelector('#customer-table tbody .crm-card-title').innerText === '甲级客户一'")

    # Delete two, after the confirmation that counts and names them; then undo from the next page.
    page.locator("#customer-table tbody input[name=ids]").nth(0).check()
    page.locator("#customer-table tbody input[name=ids]").nth(1).check()
    page.select_option("#bulk-action", "delete")
    assert page.locator("#bulk-owner").is_hidden()  # only the fields the action needs
    page.click("#bulk-apply")
    page.locator("#bulk-confirm").wait_for()
    assert "2" in page.locator("h1").inner_text()
    assert page.locator("#bulk-confirm-names li").count() == 2
    assert Customer.objects.count() == 3
    screenshot(page, f"list-confirm-{locale}-{size}")
    page.click("#bulk-confirm-button")
    page.locator("#undo-offer").wait_for()
    assert Customer.objects.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"list-undo-{locale}-{size}")
    page.click("#undo-button")
    page.locator(".alert-success").wait_for()
    assert Customer.objects.count() == 3
    context.close()
