"""In headless Chromium: a sales manager creates a birthday plan and previews it for one of the team's contacts."""

import datetime as dt
import re

import pytest

from crm.care.models import CarePlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_creates_a_plan_and_previews_it_for_a_contact(org, page, login, add_contact):
    add_contact("王小明", "xiaoming@client.cn", birthday=dt.date(1988, 8, 8), customer_name="杭州云帆科技")
    login("manager")
    page.goto(f"{page.base_url}/")
    page.click("#sidebar a[href='/care/']")
    page.click("#new-plan")
    page.fill("#id_name", "VIP生日祝福")
    page.select_option("#id_occasion", "birthday")
    page.fill("#id_subject_template", "{{ contact.name }}，生日快乐")
    body = "{{ customer.name }}的{{ contact.name }}：\n{{ company }}祝您生日快乐！"
    page.fill("#id_body_template", body)
    page.click("#save")
    page.wait_for_url(re.compile(r"/care/plans/\d+/$"))
    assert "{{" not in page.locator("#preview-subject").inner_text()

    page.fill("#preview-q", "xiaoming")  # found by pinyin
    page.click("#find-contact")
    page.locator("#contact-matches").get_by_text("王小明").click()
    page.wait_for_url(re.compile(r"contact=\d+"))
    assert page.locator("#preview-subject").inner_text() == "王小明，生日快乐"
    assert page.locator("#preview-body").inner_text() == "杭州云帆科技的王小明：\n示例科技有限公司祝您生日快乐！"

    page.click("#edit-plan")
    page.fill("#id_body_template", "{{ contact.nmae }}")
    page.click("#save")
    # The form comes back naming the unknown field; nothing was saved.
    page.locator(".invalid-feedback", has_text="{{ contact.nmae }}").wait_for(state="visible")
    assert CarePlan.objects.get().body_template == body
