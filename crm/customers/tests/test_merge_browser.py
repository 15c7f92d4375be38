"""In headless Chromium: a sales manager finds two records of one company, merges them, and the survivor's 360°
page shows both contacts; a person's data is erased from the contact page."""

import re

import pytest

from crm.customers.models import Contact, Customer
from crm.customers.services import create_contact, create_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_finds_duplicates_merges_two_and_sees_both_contacts(org, page, login):
    first = create_customer(actor=org["sales1"], data={"name": "西湖科技有限公司", "phone": "0571-88886666"})
    second = create_customer(actor=org["sales2"], data={"name": "西湖科技", "email": "info@xihu.cn"})
    create_contact(actor=org["sales1"], customer=first, data={"name": "张三"})
    create_contact(actor=org["sales2"], customer=second, data={"name": "李四"})

    login("manager")
    page.goto(f"{page.base_url}/customers/duplicates/")
    group = page.locator(".duplicate-group", has_text="西湖科技有限公司")
    group.locator(".compare-merge").click()
    page.wait_for_url(re.compile(r"/customers/duplicates/merge/"))
    # keep the first record, but take the e-mail only the second one has (offered by default as it is empty)
    page.check(f"#survivor-{first.pk}")
    assert page.is_checked(f"#field-email-{second.pk}")
    page.click("#confirm-merge")

    page.wait_for_url(re.compile(rf"/customers/{first.pk}/$"))
    contacts = page.locator("#contacts")
    assert contacts.get_by_text("张三").is_visible() and contacts.get_by_text("李四").is_visible()
    page.locator('#timeline [data-kind="merge"]').wait_for()
    assert Customer.objects.get(pk=first.pk).email == "info@xihu.cn"

    # the merged record's old address leads to the survivor
    page.goto(f"{page.base_url}/customers/{second.pk}/")
    page.wait_for_url(re.compile(rf"/customers/{first.pk}/$"))


def test_a_manager_erases_a_persons_data_from_the_contact_page(org, page, login):
    customer = create_customer(actor=org["sales1"], data={"name": "云帆科技"})
    contact = create_contact(
        actor=org["sales1"],
        customer=customer,
        data={"name": "王五", "mobile": "13800138000", "consent_given": True, "consent_source": "官网表单"},
    )
    login("manager")
    page.goto(f"{page.base_url}/customers/contacts/{contact.pk}/")
    page.locator("#consent-status", has_text="官网表单").wait_for()
    page.click("#erase-personal-data")
    page.click("#confirm-erase")
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    assert page.locator("#contacts").get_by_text("王五").count() == 0
    assert Contact.objects.get(pk=contact.pk).erased_at is not None
