"""In headless Chromium: an edit form opened before someone else's change is refused with a message, keeps what
the user typed and reloads the current version on request."""

import re

import pytest

from crm.customers.models import Customer
from crm.customers.services import create_customer, update_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stale_edit_form_says_so_keeps_the_typing_and_offers_to_reload(org, page, login):
    # Given a rep editing their customer
    rep = org["sales1"]
    customer = create_customer(actor=rep, data={"name": "西溪文创", "city": "杭州"})
    login("sales1")
    page.goto(f"{page.base_url}/customers/{customer.pk}/edit/")
    page.fill("#id_remark", "下周二上门拜访")
    # When their manager changes the city meanwhile, and the rep saves
    update_customer(actor=org["manager"], customer=Customer.objects.get(pk=customer.pk), data={"city": "宁波"})
    page.click("#save")
    # Then the page says someone else changed it, what was typed is still there, and nothing was saved
    alert = page.locator("#form-errors")
    alert.wait_for()
    assert "其他人已修改" in alert.inner_text() or "Someone else changed" in alert.inner_text()
    assert page.input_value("#id_remark") == "下周二上门拜访"
    assert page.input_value("#id_city") == "杭州"
    assert Customer.objects.get(pk=customer.pk).remark == ""
    # And reloading shows the current version, where the rep's edit saves
    page.click("#reload-record")
    page.wait_for_load_state()
    assert page.input_value("#id_city") == "宁波"
    page.fill("#id_remark", "下周二上门拜访")
    page.click("#save")
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.city, saved.remark) == ("宁波", "下周二上门拜访")
