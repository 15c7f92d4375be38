"""In headless Chromium, under the real Content-Security-Policy: the main pages load without one violation and
still work — htmx swaps, Bootstrap menus, confirmations and the little behaviours that used to be inline."""

from __future__ import annotations

import re

import pytest

from crm.customers.services import create_customer, log_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every page before its own scripts (Playwright injects it, outside the page's CSP) and keeps each
# violation the browser reports.
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" +
                    e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error collected in ``page.problems``."""
    page.problems = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: page.problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    return page


def visit(page, path: str) -> None:
    response = page.goto(f"{page.base_url}{path}")
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp")
    assert violations == [], (path, violations)
    assert page.problems == [], (path, page.problems)


def test_the_watch_sees_a_violation(org, watched, login):
    # Without this, a watch that never fires would pass every page below.
    login("sales1")
    watched.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                                document.body.appendChild(s); }""")
    watched.wait_for_function("window.__csp.length > 0")
    assert watched.evaluate("window.ran") is None
    assert any("script-src" in violation for violation in watched.evaluate("window.__csp"))


def test_every_page_in_the_navigation_loads_without_a_violation(org, watched, login):
    customer = create_customer(actor=org["admin"], data={"name": "杭州云帆科技", "phone": "0571-88886666"})
    log_activity(actor=org["admin"], customer=customer, data={"kind": "call", "subject": "电话回访\n第二行"})
    login("admin")
    links = watched.locator("#sidebar a.nav-link").evaluate_all("links => links.map(a => a.pathname)")
    assert len(links) >= 8
    extra = ["/account/profile/", "/account/password/", f"/customers/{customer.pk}/",
             f"/customers/{customer.pk}/edit/", "/customers/new/", f"/customers/{customer.pk}/activities/new/",
             "/search/?q=云帆", "/system/users/new/", "/customers/recycle-bin/", "/api/v1/docs/"]
    for path in [*links, *extra]:
        visit(watched, path)
    # The API documentation drew its operations (its script came as a file).
    watched.goto(f"{watched.base_url}/api/v1/docs/")
    watched.wait_for_selector(".opblock", timeout=20_000)
    assert watched.evaluate("window.__csp") == []


def test_htmx_menus_and_former_inline_behaviours_work_under_the_policy(org, watched, login):
    create_customer(actor=org["sales1"], data={"name": "杭州云帆科技"})
    create_customer(actor=org["sales1"], data={"name": "宁波海天贸易"})
    login("sales1")

    # htmx: the global search's dropdown is swapped in.
    watched.fill("#global-search", "云帆")
    watched.wait_for_selector("#search-dropdown >> text=杭州云帆科技")
    # Bootstrap: the user menu opens.
    watched.click("#user-menu")
    watched.wait_for_selector(".dropdown-menu.show >> #logout")
    watched.keyboard.press("Escape")

    # crm.js: "select all" ticks every row of the customer list (was an onclick="" handler).
    watched.goto(f"{watched.base_url}/customers/")
    boxes = watched.locator("input[name=ids]")
    watched.check("#select-all")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))

    # crm.js: a form with data-confirm asks first (was onsubmit="return confirm(…)"); Cancel sends nothing.
    watched.goto(f"{watched.base_url}/account/profile/")
    watched.fill("#id_password", "demo-Passw0rd")
    watched.click("#create-token")
    watched.wait_for_selector("#new-token")
    questions = []
    watched.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    watched.click("#revoke-token")
    assert questions and "吊销" in questions[0]
    assert watched.locator("#token-list").count() == 1
    watched.once("dialog", lambda dialog: dialog.accept())
    watched.click("#revoke-token")
    watched.wait_for_selector("#no-token")
    assert watched.evaluate("window.__csp") == [] and watched.problems == []


def test_computed_styles_come_from_data_attributes(org, watched, login):
    from crm.accounts.models import Department

    login("admin")
    watched.goto(f"{watched.base_url}/system/departments/")
    nested = Department.objects.filter(parent__isnull=False).first()
    cell = watched.locator(f"td[data-indent]:has(a[href$='/system/departments/{nested.pk}/'])")
    assert re.match(r"[1-9]\d*(\.\d+)?px", cell.evaluate("td => getComputedStyle(td).paddingLeft"))
    assert watched.evaluate("window.__csp") == []
