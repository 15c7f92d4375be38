"""The customer list and its export on the platform's counting and export limits (capped counts, the Excel row
limit): the generic parts are tested in crm/core/tests/test_exports.py on the suite's own module."""

from __future__ import annotations

import re

import pytest

from crm.audit.models import AuditEvent
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def add_customers(user, count: int) -> None:
    Customer.objects.bulk_create(
        [
            Customer(name=f"客户{number:03d}", owner=user, department=user.department, level="A", created_by=user)
            for number in range(count)
        ]
    )


def test_the_api_list_says_when_its_count_is_capped(api_client_for, rep, settings):
    settings.CRM_LIST_COUNT_CAP = 5
    add_customers(rep, 12)
    client = api_client_for(rep)
    body = client.get("/api/v1/customers/?page_size=5").json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (5, True, 5)
    assert "page=2" in body["next"]
    last = client.get("/api/v1/customers/?page_size=5&page=3").json()
    assert (len(last["results"]), last["next"]) == (2, None)
    assert client.get("/api/v1/customers/?page_size=5&page=4").status_code == 404
    settings.CRM_LIST_COUNT_CAP = 10_000
    body = client.get("/api/v1/customers/?page_size=5").json()
    assert (body["count"], body["count_capped"]) == (12, False)


def test_the_list_page_shows_a_capped_count(client_for, rep, settings):
    settings.CRM_LIST_COUNT_CAP = 60
    add_customers(rep, 130)
    client = client_for(rep)
    html = client.get("/customers/").content.decode()
    assert "60+" in html and "2+" in html  # "60+ results", "Page 1 of 2+"
    html = client.get("/customers/?page=3").content.decode()
    assert len(set(re.findall(r"客户\d{3}", html))) == 30 and 'page=2"' in html and "page=4" not in html
    assert client.get("/customers/?page=4").status_code == 404
    settings.CRM_LIST_COUNT_CAP = 10_000
    assert "60+" not in client.get("/customers/").content.decode()


def test_excel_is_refused_past_its_row_limit_and_csv_is_offered(client_for, api_client_for, rep, settings):
    settings.CRM_EXPORT_XLSX_MAX_ROWS = 2
    add_customers(rep, 3)
    page = client_for(rep).get("/customers/export/?format=xlsx")
    assert page.status_code == 400 and "CSV" in page.content.decode()
    api = api_client_for(rep).get("/api/v1/customers/export/?format=xlsx")
    assert api.status_code == 400 and "format" in api.json()["error"]["fields"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    csv_export = client_for(rep).get("/customers/export/?format=csv")
    assert csv_export.status_code == 200 and csv_export["X-Export-Count"] == "3"
