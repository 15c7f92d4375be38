"""In headless Chromium: a rep imports a GBK CSV from the customer list — upload, map, preview, run, result."""

import re

import pytest

from crm.customers.models import Customer
from crm.imports.tests.sample_files import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_imports_a_gbk_csv_from_the_customer_list(org, page, login):
    content = csv_bytes(
        [
            ["客户名称", "电话", "邮箱", "行业"],
            ["杭州云帆科技有限公司", "0571-88886666", "info@yunfan.cn", "信息技术"],
            ["坏邮箱公司", "", "not-an-email", ""],
            ["苏州精工制造有限公司", "", "", "制造业"],
        ],
        "gb18030",
    )
    login("sales1")
    page.goto(f"{page.base_url}/customers/")
    page.click("#import-button")
    page.set_input_files("#id_file", files=[{"name": "客户.csv", "mimeType": "text/csv", "buffer": content}])
    page.click("#upload")

    page.wait_for_url(re.compile(r"/imports/\d+/mapping/$"))
    assert page.locator("#id_column_0").input_value() == "name"  # guessed from 客户名称
    assert page.locator("#id_column_3").input_value() == "industry"
    page.click("#check")

    page.wait_for_url(re.compile(r"/imports/\d+/preview/$"))
    assert page.locator("#issue-table tbody tr").count() == 1
    assert page.locator('#issue-table tr[data-row="3"]').is_visible()
    assert page.locator('[data-count="created"]').inner_text() == "2"
    assert Customer.objects.count() == 0
    page.click("#run")

    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    page.locator("#import-result").wait_for()
    assert page.locator('[data-count="created"]').inner_text() == "2"
    with page.expect_download() as download:
        page.click("#report-link")
    report = download.value.path().read_bytes()
    assert report.startswith(b"\xef\xbb\xbf") and "坏邮箱公司" in report.decode("utf-8-sig")
    page.click("#to-list")
    assert page.locator("#customer-table").get_by_text("苏州精工制造有限公司").is_visible()
    assert set(Customer.objects.values_list("owner__username", flat=True)) == {"sales1"}
