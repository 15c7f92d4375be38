"""In headless Chromium: a rep creates a customer and finds it; a rep of another department cannot."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_creates_and_finds_a_customer_that_another_rep_cannot_see(org, page, login):
    login("sales1")
    page.goto(f"{page.base_url}/customers/")
    page.click("#new-customer")
    page.fill("#id_name", "杭州云帆科技")
    page.fill("#id_phone", "0571-88886666")
    page.click("#save")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    url = page.url
    page.goto(f"{page.base_url}/customers/")
    assert page.locator("#customer-table").get_by_text("杭州云帆科技").is_visible()

    page.fill("#global-search", "云帆")
    page.wait_for_selector("#search-results >> text=杭州云帆科技")

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login/"))
    login("sales2")
    page.goto(f"{page.base_url}/search/?q=云帆")
    assert page.get_by_text("杭州云帆科技").count() == 0
    response = page.goto(url)
    assert response.status == 404 and page.locator("#error-title").is_visible()


def test_on_a_phone_the_menu_button_opens_the_navigation(org, page, login):
    page.set_viewport_size({"width": 375, "height": 740})
    login("sales1")
    sidebar_link = page.locator("#sidebar").get_by_text("客户")
    assert not sidebar_link.is_visible()
    page.click("button[aria-controls=sidebar]")
    sidebar_link.wait_for(state="visible")


def test_the_list_filter_form_narrows_the_rows_and_the_same_list_exports(org, page, login):
    """As the form really submits: every select it shows, the unchosen ones blank."""
    from crm.customers.models import Customer

    for n, level in enumerate("AABC"):
        Customer.objects.create(name=f"筛选客户{n}", level=level, owner=org["sales1"],
                                department=org["sales1"].department)
    login("sales1")
    page.goto(f"{page.base_url}/customers/")
    page.select_option("#customer-filters select[name=level]", "A")
    page.click("#customer-filters button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"level=A"))
    assert "tag=" not in page.url  # htmx sends only the fields with a value (the blank tag once broke every filter)
    rows = page.locator("#customer-table tbody tr")
    assert sorted(rows.all_inner_texts()) and all("筛选客户" in text for text in rows.all_inner_texts())
    assert rows.count() == 2
    assert page.locator(".alert-warning").count() == 0
    query = page.url.split("?", 1)[1]
    response = page.request.get(f"{page.base_url}/customers/export/?{query}&format=csv")
    assert response.status == 200
    exported = response.body().decode("utf-8-sig")
    assert "筛选客户0" in exported and "筛选客户1" in exported and "筛选客户2" not in exported


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_on_a_phone_no_main_page_scrolls_sideways(org, page, login, language):
    # The admin's customer list had six page actions in one row: 451 px wide on a 390 px phone, in English
    from crm.customers.services import create_customer

    page.set_viewport_size({"width": 390, "height": 844})
    for user in (org["admin"], org["sales1"]):
        user.language = language
        user.save(update_fields=["language"])
    customer = create_customer(actor=org["sales1"], data={"name": "手机宽度测试有限公司", "phone": "0571-88886666"})
    for username, paths in (("admin", ["/", "/customers/", "/customers/pool/", "/audit/", "/notifications/outbox/"]),
                            ("sales1", ["/", "/customers/", f"/customers/{customer.pk}/", "/customers/pool/"])):
        login(username)
        for path in paths:
            page.goto(f"{page.base_url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (username, language, path, width)
        page.context.clear_cookies()
