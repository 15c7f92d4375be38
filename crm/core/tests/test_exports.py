"""The generic exporter (crm/core/exports.py) and capped list counts (crm/core/pagination.py)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import translation
from openpyxl import load_workbook

from crm.accounts.models import User
from crm.core import exports
from crm.core.errors import DomainError
from crm.core.pagination import CappedPaginator, capped_count
from crm.customers.exports import CUSTOMER_EXPORT
from crm.customers.models import Customer

pytestmark = pytest.mark.django_db


def add_customers(user, count: int) -> None:
    Customer.objects.bulk_create(
        [
            Customer(name=f"客户{number:03d}", owner=user, department=user.department, level="A", created_by=user)
            for number in range(count)
        ]
    )


# --- capped counts -------------------------------------------------------------------------------------------


def test_a_count_stops_one_row_past_the_cap(rep):
    add_customers(rep, 12)
    rows = Customer.objects.visible_to(rep)
    assert capped_count(rows, cap=5) == 6
    assert capped_count(rows, cap=100) == 12
    assert capped_count(list(range(12)), cap=5) == 6


def test_a_capped_paginator_keeps_paging_past_the_cap(rep):
    add_customers(rep, 12)
    paginator = CappedPaginator(Customer.objects.visible_to(rep), per_page=5, cap=5)
    assert (paginator.count, paginator.count_capped, paginator.count_label) == (5, True, "5+")
    first = paginator.page(1)
    assert len(first) == 5 and first.has_next() and not first.has_previous()
    third = paginator.page(3)  # beyond what was counted
    assert len(third) == 2 and not third.has_next() and third.start_index() == 11 and third.end_index() == 12
    with pytest.raises(EmptyPage):
        paginator.page(4)
    with pytest.raises(EmptyPage):
        paginator.page(0)


def test_below_the_cap_the_count_is_exact(rep):
    add_customers(rep, 12)
    paginator = CappedPaginator(Customer.objects.visible_to(rep), per_page=5, cap=1000)
    assert (paginator.count, paginator.count_capped, paginator.count_label, paginator.num_pages) == (12, False, "12", 3)
    with pytest.raises(EmptyPage):
        paginator.page(4)


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


# --- cells -----------------------------------------------------------------------------------------------


def test_csv_cells_are_local_times_words_and_defused_formulas(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("en"):
        cell = exports.CellFormatter().csv
    moment = dt.datetime(2026, 1, 31, 16, 30, tzinfo=dt.UTC)
    assert cell(moment) == "2026-02-01 00:30:00"
    assert cell(dt.date(2026, 2, 1)) == "2026-02-01"
    assert (cell(True), cell(False), cell(None), cell(7)) == ("Yes", "No", "", 7)
    for formula in ("=1+1", "+86", "-2", "@SUM(A1)"):
        assert cell(formula) == "'" + formula
    assert cell("华为") == "华为"


def test_xlsx_cells_drop_control_characters_and_time_zones():
    formatter = exports.CellFormatter()
    assert formatter.xlsx("华\x00为\x07") == "华为"
    moment = dt.datetime(2026, 1, 31, 16, 30, tzinfo=dt.UTC)
    local = formatter.xlsx(moment)
    assert local.tzinfo is None
    assert local == moment.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def test_a_long_excel_export_goes_on_in_a_second_sheet(rep, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_SHEET_ROWS", 3)
    add_customers(rep, 7)
    handle = io.BytesIO()
    user = User.objects.get(pk=rep.pk)
    count = exports.write_xlsx(
        CUSTOMER_EXPORT, Customer.objects.visible_to(user, "export"), user, CUSTOMER_EXPORT.columns_for(user), handle
    )
    workbook = load_workbook(handle, read_only=True)
    sizes = [sum(1 for _ in sheet.iter_rows()) for sheet in workbook.worksheets]
    assert count == 7 and sizes == [4, 4, 2]  # each sheet with its header
    assert workbook.sheetnames[1].endswith(" 2")


# --- parameters --------------------------------------------------------------------------------------------


def test_only_csv_and_xlsx_are_file_formats():
    assert exports.parse_file_format(None) == "csv"
    assert exports.parse_file_format(" XLSX ") == "xlsx"
    with pytest.raises(DomainError) as refused:
        exports.parse_file_format("pdf")
    assert refused.value.field == "format"


def test_the_audit_keeps_filters_not_paging_and_cuts_long_values():
    query = QueryDict(mutable=True)
    query.setlist("tag", ["重点客户", "展会"])
    query.update({"level": "A", "page": "3", "format": "xlsx", "sort": "name", "q": "x" * 500, "kind": ""})
    filters = exports.filters_for_audit(query)
    assert filters == {"tag": ["重点客户", "展会"], "level": "A", "q": "x" * 200}


def test_the_exporter_itself_refuses_a_user_without_the_export_right(org):
    support = org["support1"]  # 客服专员: view, create, edit — no export
    request = RequestFactory().get("/")
    request.user = support
    with pytest.raises(PermissionDenied):
        exports.export_response(
            CUSTOMER_EXPORT, Customer.objects.visible_to(support), user=support, file_format="csv", filters={}
        )


def test_the_header_is_in_the_users_language_even_when_streamed_later(rep):
    add_customers(rep, 1)
    user = User.objects.get(pk=rep.pk)
    with translation.override("en"):
        response = exports.export_response(
            CUSTOMER_EXPORT, Customer.objects.visible_to(user, "export"), user=user, file_format="csv", filters={}
        )
    with translation.override("zh-hans"):  # the stream is read after the request's language is gone
        body = b"".join(response.streaming_content).decode("utf-8")
    assert body.splitlines()[0].startswith("\ufeffID,Customer number,Name,Kind")
    assert "Company" in body.splitlines()[1]


def test_excel_is_refused_past_its_row_limit_and_csv_is_offered(client_for, api_client_for, rep, settings):
    from crm.audit.models import AuditEvent

    settings.CRM_EXPORT_XLSX_MAX_ROWS = 2
    add_customers(rep, 3)
    page = client_for(rep).get("/customers/export/?format=xlsx")
    assert page.status_code == 400 and "CSV" in page.content.decode()
    api = api_client_for(rep).get("/api/v1/customers/export/?format=xlsx")
    assert api.status_code == 400 and "format" in api.json()["error"]["fields"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    csv_export = client_for(rep).get("/customers/export/?format=csv")
    assert csv_export.status_code == 200 and csv_export["X-Export-Count"] == "3"


def test_query_statistics_are_refreshed_for_the_planner(rep):
    from django.core.management import call_command
    from django.db import connection

    add_customers(rep, 20)
    call_command("refresh_statistics", stdout=io.StringIO())
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
            assert "customer_updated_idx" in {row[0] for row in cursor.fetchall()}
