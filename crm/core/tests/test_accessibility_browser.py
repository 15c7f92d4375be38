"""In headless Chromium, axe-core checks every main page for an admin and a rep, in Chinese and English, on a
desktop and a phone: no serious or critical WCAG violation. And the top-bar search works from the keyboard."""

from __future__ import annotations

import re

import pytest

from crm.customers.services import create_contact, create_customer, delete_customer, log_activity
from crm.customers.services.pool import release_to_pool
from crm.notifications.services import notify
from crm.testing_app.messages import NOTE
from tests_support import describe_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def records(org):
    """What the pages show: a rep's customer with a contact and a follow-up, a duplicate of it, one in the public
    pool, one in the recycle bin, and a notification for each persona."""
    customer = create_customer(actor=org["sales1"], data={"name": "杭州云帆科技有限公司", "phone": "0571-88886666"})
    create_customer(actor=org["sales1"], data={"name": "杭州云帆科技", "phone": "0571-88886666"})
    contact = create_contact(actor=org["sales1"], customer=customer, data={"name": "王伟", "mobile": "13800138000"})
    log_activity(actor=org["sales1"], customer=customer, data={"kind": "call", "subject": "电话沟通采购需求"})
    pooled = create_customer(actor=org["sales1"], data={"name": "宁波海天贸易"})
    release_to_pool(actor=org["sales1"], customer=pooled, reason="暂无需求")
    delete_customer(actor=org["admin"], customer=create_customer(actor=org["admin"], data={"name": "苏州旧客户"}))
    for user in (org["admin"], org["sales1"]):
        notify(user, NOTE(title="客户即将回到公海", body="杭州云帆科技有限公司 7 天后回到公海"),
               f"/customers/{customer.pk}/")
    return {"customer": customer, "contact": contact}


def rep_pages(records) -> list[str]:
    pk = records["customer"].pk
    return ["/", "/customers/", "/customers/duplicates/", f"/customers/{pk}/", "/customers/new/",
            f"/customers/{pk}/edit/",
            f"/customers/{pk}/activities/new/", f"/customers/{pk}/contacts/new/",
            f"/customers/contacts/{records['contact'].pk}/", "/customers/pool/", "/customers/pool/returning/",
            "/customers/follow-ups/due/", "/search/", "/search/?q=云帆", "/notifications/", "/account/profile/",
            "/account/password/"]


def admin_pages(records) -> list[str]:
    return [*rep_pages(records), "/customers/recycle-bin/", "/imports/", "/imports/new/",
            "/customers/pool/rules/", "/customers/pool/lifecycle-policy/", "/system/users/", "/system/users/new/",
            "/system/departments/", "/system/departments/new/", "/system/roles/", "/system/roles/new/",
            "/system/dictionaries/", "/system/dictionaries/new/", "/audit/", "/notifications/outbox/",
            "/system/numbers/", "/system/settings/", "/system/holidays/", "/care/", "/care/days/", "/care/log/"]

# The pages a person opens most, also checked at a phone's width.
MAIN = {"/", "/customers/", "/customers/new/", "/customers/follow-ups/due/", "/customers/pool/", "/search/?q=云帆",
        "/notifications/", "/system/users/"}


def with_navigation(page, paths: list[str]) -> list[str]:
    """The pages named, and every page the signed-in user's navigation offers: a new page cannot slip past."""
    links = page.locator("#sidebar a.nav-link").evaluate_all("links => links.map(a => a.pathname + a.search)")
    assert len(links) >= 5
    return [*paths, *(link for link in links if link not in paths)]


def check_pages(page, axe_violations, paths: list[str], language: str) -> list[dict]:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    found = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        for path in paths:
            if viewport is PHONE and path not in MAIN:
                continue
            response = page.goto(f"{page.base_url}{path}")
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language, path
            page.wait_for_load_state("networkidle")
            found += axe_violations(page)
    # The phone's navigation, opened from the menu button.
    page.click("button[aria-controls=sidebar]")
    page.wait_for_selector("#sidebar.show")
    found += axe_violations(page)
    return found


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_admins_pages_have_no_serious_accessibility_violation(org, records, page, login, axe_violations,
                                                                  language):
    login("admin")
    paths = with_navigation(page, admin_pages(records))
    found = check_pages(page, axe_violations, paths, language)
    assert found == [], "\n" + describe_axe_violations(found)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_reps_pages_have_no_serious_accessibility_violation(org, records, page, login, axe_violations, language):
    login("sales1")
    paths = with_navigation(page, rep_pages(records))
    found = check_pages(page, axe_violations, paths, language)
    assert found == [], "\n" + describe_axe_violations(found)


def test_the_sign_in_page_has_no_serious_accessibility_violation(org, page, axe_violations):
    found = []
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            page.goto(f"{page.base_url}/login/")
            found += axe_violations(page)
        # With the error a wrong password brings.
        page.fill("input[name=username]", "sales1")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        found += axe_violations(page)
    assert found == [], "\n" + describe_axe_violations(found)


def test_the_check_sees_a_violation(org, page, login, axe_violations):
    # Without this, a check that never finds anything would pass every page above.
    login("sales1")
    page.evaluate("""() => { const b = document.createElement("button"); b.id = "nameless";
                             b.appendChild(document.createElement("span"));
                             document.querySelector("main").appendChild(b); }""")
    found = axe_violations(page)
    assert any(v["id"] == "button-name" and "#nameless" in v["nodes"][0]["target"] for v in found), found
    assert "button-name" in describe_axe_violations(found)


def test_the_search_box_works_from_the_keyboard(org, records, page, login, axe_violations):
    create_customer(actor=org["sales1"], data={"name": "杭州云帆物流"})
    login("sales1")
    page.goto(f"{page.base_url}/customers/")
    box = page.locator("#global-search")

    # "/" from anywhere on the page puts the cursor in the search box…
    page.locator("main").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    assert box.input_value() == ""  # the "/" itself is not typed

    # …the hits come as a listbox the box controls, ↓ and ↑ move the active option…
    page.keyboard.type("云帆")
    page.wait_for_selector("#search-results [role=option]")
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#search-results").get_attribute("role") == "listbox"
    options = page.locator("#search-results [role=option]")
    assert options.count() >= 2
    assert box.get_attribute("aria-activedescendant") is None
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    first = options.nth(0)
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true" and options.nth(1).get_attribute("aria-selected") == "false"
    # The active option is visibly marked, not only announced.
    assert first.evaluate("o => getComputedStyle(o).backgroundColor") != options.nth(1).evaluate(
        "o => getComputedStyle(o).backgroundColor")
    assert page.evaluate("document.activeElement.id") == "global-search"  # typing can go on
    found = axe_violations(page)  # the open list too
    assert found == [], "\n" + describe_axe_violations(found)

    # Escape closes the list and keeps the text.
    page.keyboard.press("Escape")
    assert page.locator("#search-results").count() == 0
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "云帆"

    # Typing again opens it; ↓ and Enter open the record.
    page.keyboard.type("科技有限")
    page.wait_for_selector("#search-results [role=option]")
    href = options.nth(0).get_attribute("href")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert href == f"/customers/{records['customer'].pk}/"

    # Enter with no option chosen opens the full search page; a click elsewhere closes an open list.
    page.keyboard.press("/")
    page.keyboard.type("云帆")
    page.wait_for_selector("#search-results [role=option]")
    page.mouse.click(100, 850)  # the empty foot of the sidebar
    assert page.locator("#search-results").count() == 0 and box.get_attribute("aria-expanded") == "false"
    box.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.locator("#search-page-results").get_by_text("杭州云帆物流").is_visible()

    # In a field, "/" is just a character.
    page.goto(f"{page.base_url}/customers/new/")
    page.fill("#id_name", "")
    page.focus("#id_name")
    page.keyboard.type("A/B")
    assert page.locator("#id_name").input_value() == "A/B"
    assert page.evaluate("document.activeElement.id") == "id_name"


def test_keyboard_focus_is_visible(org, page, login):
    login("sales1")
    page.goto(f"{page.base_url}/customers/")
    # Tab to the first links and buttons of the page: each shows a ring (an outline of at least 2 px).
    for _ in range(6):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const el = document.activeElement, s = getComputedStyle(el);
                                           return [el.tagName, s.outlineStyle, s.outlineWidth]; }""")
        assert focused[1] == "solid" and float(focused[2].removesuffix("px")) >= 2, focused
