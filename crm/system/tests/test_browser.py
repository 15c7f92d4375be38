"""In headless Chromium: an administrator changes the customer number format and sees the next number live."""

import re

import pytest
from django.utils import timezone

from crm.system.models import NumberSequence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_example_follows_the_format_as_it_is_typed(org, page, login):
    login("admin")
    page.goto(f"{page.base_url}/system/numbers/")
    page.click("text=客户编号")
    page.wait_for_url(re.compile(r"/system/numbers/customers.customer/$"))
    page.fill("#id_prefix", "CU")
    page.select_option("#id_date_part", "month")
    page.select_option("#id_reset", "monthly")
    today = timezone.localdate()
    page.wait_for_selector(f"#number-example >> text=CU{today.year}{today.month:02d}-000001")
    page.click("#save")
    page.wait_for_url(re.compile(r"/system/numbers/$"))
    assert NumberSequence.objects.get(code="customers.customer").prefix == "CU"
