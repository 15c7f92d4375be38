"""In headless Chromium, the journey "create a customer with the duplicate warning", in both languages on a desktop
and a phone: a bad field says so as the user leaves it and stops saying so once fixed, a name like an existing
customer's brings the possible-duplicates warning (which does not stop the save), the owner is picked by typing
in the searchable select, and the form saves. No sideways scrolling; axe-core finds nothing serious."""

import re

import pytest

from crm.customers.models import Customer
from crm.customers.services import create_customer
from tests_support import describe_axe_violations, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {"zh-CN": {"lang": "zh-hans", "warning": "可能重复的客户"},
        "en-US": {"lang": "en", "warning": "Possible duplicates"}}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_manager_creates_a_customer_warned_of_a_look_alike(org, chromium, live_server, locale, size, screenshot,
                                                             axe_violations):
    # Given a customer of 李娜's, and their manager on the new-customer form
    existing = create_customer(actor=org["sales2"], data={"name": "杭州云帆科技有限公司", "phone": "0571-88886666"})
    context, page = signed_in(chromium, live_server, "manager", locale=locale, size=size)
    text = TEXT[locale]
    page.goto(f"{live_server.url}/customers/new/")
    assert page.locator("html").get_attribute("lang") == text["lang"]
    # Required fields are marked for the eye and for screen readers
    assert page.locator("label[for=id_name] .crm-required").is_visible()
    assert page.locator("#id_name").get_attribute("aria-required") == "true"
    assert page.locator("#id_first_order_at").get_attribute("type") == "date"

    # When they type an e-mail that is none and leave the field
    page.fill("#id_email", "buyer@")
    page.locator("#id_email").press("Tab")
    # Then the error shows under it, tied to the field for screen readers
    error = page.locator("#id_email_error")
    error.wait_for()
    assert error.inner_text().strip()
    assert "is-invalid" in page.locator("#id_email").get_attribute("class")
    assert "id_email_error" in page.locator("#id_email").get_attribute("aria-describedby")
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    # And nothing else complains yet: the name, still empty, was never left
    assert page.locator("#id_name_error").count() == 0
    screenshot(page, f"new-customer-error-{locale}-{size}")
    # When they correct it, the error goes
    page.fill("#id_email", "buyer@yunfan.cn")
    page.locator("#id_email").press("Tab")
    error.wait_for(state="detached")
    assert "is-invalid" not in page.locator("#id_email").get_attribute("class")

    # When they type a name like the existing customer's
    page.locator("#id_name").press_sequentially("杭州云帆科技", delay=20)
    warning = page.locator("#possible-duplicates-warning")
    warning.wait_for()
    # Then they are warned, with a link to it (their scope reaches 李娜's customers)
    assert text["warning"] in warning.inner_text()
    assert warning.locator(f'a[href="/customers/{existing.pk}/"]').is_visible()

    # When they pick the owner from the keyboard: into the searchable select, type, Enter
    page.locator("#id_owner-ts-control").focus()
    assert page.locator("[data-field=owner] .ts-dropdown").is_hidden()  # focus alone unfolds nothing
    page.keyboard.type("李娜")
    # (the list narrows once typing pauses: then the one match is the active option)
    page.locator("[data-field=owner] .ts-dropdown .option.active", has_text="李娜").wait_for()
    page.keyboard.press("Enter")
    assert page.locator("#id_owner").input_value() == str(org["sales2"].pk)
    # And a collaborator the same way, in the multiple choice (each chosen one with its remove button)
    page.locator("#id_collaborators-ts-control").focus()
    page.keyboard.type("张伟")
    page.locator("[data-field=collaborators] .ts-dropdown .option.active", has_text="张伟").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    assert page.locator("#id_collaborators option:checked").evaluate_all("o => o.map(e => e.value)") == [
        str(org["sales1"].pk)]
    assert no_sideways_scroll(page)
    screenshot(page, f"new-customer-warned-{locale}-{size}")
    found = axe_violations(page)
    assert not found, describe_axe_violations(found)

    # And they save anyway: the warning never blocks
    page.click("#save")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    created = Customer.objects.exclude(pk=existing.pk).get(name="杭州云帆科技")
    assert (created.owner, created.email) == (org["sales2"], "buyer@yunfan.cn")
    assert list(created.collaborators.all()) == [org["sales1"]]
    assert no_sideways_scroll(page)
    context.close()
