"""Exporting the customer list and contacts: the rows the list shows, in scope, masked, permission-checked, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from crm.accounts.models import Role, User
from crm.audit.models import AuditEvent
from crm.customers.models import Contact, Customer, Tag
from crm.customers.services import create_contact, create_customer

pytestmark = pytest.mark.django_db


def english(user: User) -> User:
    user.language = "en"
    user.save(update_fields=["language"])
    return User.objects.get(pk=user.pk)


@pytest.fixture
def book(org):
    """Customers of both reps and of marketing, with tags and contacts."""
    rep, other, marketing = (english(org[name]) for name in ("sales1", "sales2", "marketing1"))
    key = Tag.objects.create(name="重点客户")
    fair = Tag.objects.create(name="展会2026")
    made = {
        "huawei": create_customer(
            actor=rep,
            data={
                "name": "华为技术有限公司",
                "level": "A",
                "industry": "it",
                "phone": "13800138000",
                "email": "contact@huawei.cn",
                "tags": [key, fair],
            },
        ),
        "haier": create_customer(actor=rep, data={"name": "海尔集团", "level": "B", "industry": "manufacturing"}),
        "evil": create_customer(actor=rep, data={"name": '=HYPERLINK("http://x")', "level": "A"}),
        "other_customer": create_customer(
            actor=other, data={"name": "李娜的客户", "level": "A", "phone": "13900139000"}
        ),
        "marketing_customer": create_customer(
            actor=marketing, data={"name": "市场部客户", "level": "A", "phone": "13700137000"}
        ),
    }
    create_contact(
        actor=rep,
        customer=made["huawei"],
        data={"name": "张三", "mobile": "13812345678", "email": "zhangsan@huawei.cn", "is_primary": True},
    )
    create_contact(actor=other, customer=made["other_customer"], data={"name": "王五", "mobile": "13698765432"})
    create_contact(
        actor=marketing,
        customer=made["marketing_customer"],
        data={"name": "赵六", "mobile": "13511112222", "email": "zhaoliu@client.cn"},
    )
    return {"rep": rep, "other": other, "marketing": marketing, **made}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]


def as_dicts(rows: list[list]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


# --- the page door --------------------------------------------------------------------------------------------


def test_the_page_export_holds_the_rows_of_the_filtered_list_with_labels(client_for, book):
    client = client_for(book["rep"])
    response = client.get("/customers/export/?level=A&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = as_dicts(read_csv(response))
    assert [row["Name"] for row in rows] == ['\'=HYPERLINK("http://x")', "华为技术有限公司"]  # newest first
    huawei = rows[1]
    assert huawei["Level"] == "Key account" and huawei["Industry"] == "Information technology"
    assert huawei["Tags"] == "展会2026, 重点客户"
    assert huawei["Owner"] == "张伟" and huawei["Department"] == "销售一部"
    assert huawei["Lifecycle stage"] == "Prospect" and huawei["Kind"] == "Company"
    assert huawei["Phone"] == "13800138000"
    created = book["huawei"].created_at.astimezone(timezone.get_current_timezone())
    assert huawei["Created"] == created.strftime("%Y-%m-%d %H:%M:%S")  # local time, not UTC


def test_the_export_follows_the_list_sort_and_search(client_for, book):
    rows = as_dicts(read_csv(client_for(book["rep"]).get("/customers/export/?sort=name")))
    assert [row["Name"] for row in rows] == sorted(row["Name"] for row in rows)
    rows = as_dicts(read_csv(client_for(book["rep"]).get("/customers/export/?q=海尔")))
    assert [row["Name"] for row in rows] == ["海尔集团"]


def test_the_page_export_as_excel(client_for, book):
    response = client_for(book["rep"]).get("/customers/export/?format=xlsx&level=A")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = as_dicts(read_xlsx(response))
    names = [row["Name"] for row in rows]
    assert names == ['=HYPERLINK("http://x")', "华为技术有限公司"]  # a text cell, not a formula
    huawei = rows[1]
    assert huawei["Tags"] == "展会2026, 重点客户" and huawei["Level"] == "Key account"
    local = timezone.localtime(book["huawei"].created_at).replace(tzinfo=None, microsecond=0)
    assert abs(huawei["Created"] - local) < dt.timedelta(seconds=1)


def test_the_formula_cell_is_stored_as_text_in_excel(client_for, book):
    response = client_for(book["rep"]).get("/customers/export/?format=xlsx&q=HYPERLINK")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    name_column = [cell.value for cell in sheet[1]].index("Name") + 1
    cell = sheet.cell(row=2, column=name_column)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_another_reps_customers_never_appear(client_for, api_client_for, book):
    page_rows = as_dicts(read_csv(client_for(book["rep"]).get("/customers/export/")))
    api_rows = as_dicts(read_csv(api_client_for(book["rep"]).get("/api/v1/customers/export/")))
    for rows in (page_rows, api_rows):
        assert {row["Name"] for row in rows} == {"华为技术有限公司", "海尔集团", '\'=HYPERLINK("http://x")'}
    # Asking for the other rep's customers by filter gives nothing, not their rows.
    other = book["other"]
    response = client_for(book["rep"]).get(f"/customers/export/?owner={other.pk}")
    assert response.status_code == 200 and as_dicts(read_csv(response)) == []


def test_customers_in_the_recycle_bin_are_not_exported(client_for, book):
    Customer.objects.filter(pk=book["haier"].pk).update(deleted_at=timezone.now())
    rows = as_dicts(read_csv(client_for(book["rep"]).get("/customers/export/")))
    assert "海尔集团" not in {row["Name"] for row in rows}


def test_fields_a_role_may_not_read_are_left_out(client_for, api_client_for, book):
    marketing = book["marketing"]  # the marketing role is denied customer phone and e-mail
    for response in (
        client_for(marketing).get("/customers/export/"),
        api_client_for(marketing).get("/api/v1/customers/export/"),
    ):
        rows = read_csv(response)
        assert "Phone" not in rows[0] and "E-mail" not in rows[0] and "Name" in rows[0]
        assert "13700137000" not in str(rows)
    xlsx = read_xlsx(client_for(marketing).get("/customers/export/?format=xlsx"))
    assert "Phone" not in xlsx[0] and "13700137000" not in str(xlsx)


def test_without_the_export_permission_page_and_api_answer_403(client_for, api_client_for, book):
    role = Role.objects.get(code="sales_rep")
    role.permissions = [code for code in role.permissions if code != "customers.export"]
    role.save()
    rep = User.objects.get(pk=book["rep"].pk)
    assert client_for(rep).get("/customers/export/").status_code == 403
    assert client_for(rep).get("/customers/contacts/export/").status_code == 403
    api = api_client_for(rep)
    for url in ("/api/v1/customers/export/", "/api/v1/customers/export/?format=xlsx", "/api/v1/contacts/export/"):
        response = api.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    # …and the list page offers no Export menu.
    assert 'id="export-menu"' not in client_for(rep).get("/customers/").content.decode()


def test_the_list_page_offers_export_links_that_keep_the_filters(client_for, book):
    html = client_for(book["rep"]).get("/customers/?level=A&sort=name&page=1").content.decode()
    assert 'id="export-menu"' in html
    assert "/customers/export/?level=A&amp;sort=name&amp;format=csv" in html
    assert "/customers/export/?level=A&amp;sort=name&amp;format=xlsx" in html
    assert "/customers/contacts/export/?level=A&amp;sort=name&amp;format=csv" in html


def test_each_export_writes_one_audit_event_with_filters_and_count(client_for, api_client_for, book):
    read_csv(client_for(book["rep"]).get("/customers/export/?level=A&sort=name&page=3"))
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == book["rep"]
    assert event.changes == {"model": "customers.customer", "count": 2, "filters": {"level": "A", "format": "csv"}}
    read_xlsx(api_client_for(book["rep"]).get("/api/v1/contacts/export/?format=xlsx"))
    contacts = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert contacts.changes == {
        "model": "customers.contact",
        "count": 1,
        "filters": {"format": "xlsx", "unmasked": True},
    }


@pytest.mark.parametrize(
    "url",
    [
        "/customers/export/?format=pdf",
        "/customers/export/?owner=abc",
        "/customers/export/?created_after=2026-13-45",
        "/customers/contacts/export/?format=exe",
    ],
)
def test_bad_parameters_on_the_page_answer_400_and_export_nothing(client_for, book, url):
    response = client_for(book["rep"]).get(url)
    assert response.status_code == 400
    assert 'id="export-error"' in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_bad_parameters_on_the_api_answer_a_json_400(api_client_for, book):
    api = api_client_for(book["rep"])
    response = api.get("/api/v1/customers/export/?format=pdf")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"format": ["Choose a file format: csv or xlsx."]}
    response = api.get("/api/v1/customers/export/?owner=abc")
    assert response.status_code == 400 and "owner" in response.json()["error"]["fields"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


# --- the API door ---------------------------------------------------------------------------------------------


def test_the_api_export_takes_the_list_filters_and_format(api_client_for, book):
    api = api_client_for(book["rep"])
    rows = as_dicts(read_csv(api.get("/api/v1/customers/export/?level=B")))
    assert [row["Name"] for row in rows] == ["海尔集团"]
    response = api.get("/api/v1/customers/export/?format=xlsx&search=华为")
    assert response.status_code == 200 and response["X-Export-Count"] == "1"
    assert [row["Name"] for row in as_dicts(read_xlsx(response))] == ["华为技术有限公司"]
    rows = as_dicts(read_csv(api.get("/api/v1/customers/export/?ordering=name")))
    assert [row["Name"] for row in rows] == sorted(row["Name"] for row in rows)


def test_the_format_suffix_names_the_file_format_too(api_client_for, book):
    response = api_client_for(book["rep"]).get("/api/v1/customers/export.xlsx?level=B")
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    assert [row["Name"] for row in as_dicts(read_xlsx(response))] == ["海尔集团"]


def test_the_export_is_listed_in_the_api_schema(api_client_for, book):
    schema = api_client_for(book["rep"]).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/customers/export/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"format", "level", "owner"} <= names
    assert "text/csv" in operation["responses"]["200"]["content"]


# --- contacts and masking ----------------------------------------------------------------------------------------


def test_contacts_are_masked_for_a_role_without_unmask(client_for, api_client_for, book):
    marketing = book["marketing"]  # 市场专员: export, but not unmask
    for response in (
        api_client_for(marketing).get("/api/v1/contacts/export/"),
        client_for(marketing).get("/customers/contacts/export/"),
    ):
        rows = as_dicts(read_csv(response))
        assert rows == [
            {**rows[0], "Customer": "市场部客户", "Name": "赵六", "Mobile": "135****2222", "E-mail": "z***@client.cn"}
        ]
        assert "ID number" not in rows[0]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert event.changes["filters"]["unmasked"] is False


def test_contacts_are_in_clear_for_a_role_with_unmask(api_client_for, book):
    rows = as_dicts(read_csv(api_client_for(book["rep"]).get("/api/v1/contacts/export/?format=csv")))
    assert [(row["Customer"], row["Name"], row["Mobile"], row["E-mail"], row["Primary contact"]) for row in rows] == [
        ("华为技术有限公司", "张三", "13812345678", "zhangsan@huawei.cn", "Yes")
    ]


def test_contacts_of_the_listed_customers_follow_the_list_filters(client_for, book):
    create_contact(actor=book["rep"], customer=book["haier"], data={"name": "李四", "mobile": "13600001111"})
    rows = as_dicts(read_csv(client_for(book["rep"]).get("/customers/contacts/export/?level=B")))
    assert [(row["Customer"], row["Name"]) for row in rows] == [("海尔集团", "李四")]
    rows = as_dicts(read_xlsx(client_for(book["rep"]).get("/customers/contacts/export/?format=xlsx")))
    assert {row["Name"] for row in rows} == {"张三", "李四"}  # never 王五, the other rep's contact


def test_contact_export_filters_by_customer_on_the_api(api_client_for, book):
    api = api_client_for(book["rep"])
    rows = as_dicts(read_csv(api.get(f"/api/v1/contacts/export/?customer={book['huawei'].pk}")))
    assert [row["Name"] for row in rows] == ["张三"]
    assert as_dicts(read_csv(api.get(f"/api/v1/contacts/export/?customer={book['haier'].pk}"))) == []
    # Naming the other rep's customer never gives their contacts, and answers as a customer that does not exist.
    other_contact = Contact.objects.get(name="王五")
    response = api.get(f"/api/v1/contacts/export/?customer={other_contact.customer_id}")
    missing = api.get(f"/api/v1/contacts/export/?customer={other_contact.customer_id + 10_000}")
    assert response.status_code == missing.status_code == 400 and "王五" not in response.content.decode()


# --- no N+1 on the lists ------------------------------------------------------------------------------------------


def add_customers(rep, count: int, tags: list[Tag]) -> None:
    for number in range(count):
        customer = Customer.objects.create(
            name=f"客户{number:03d}", owner=rep, department=rep.department, level="A", created_by=rep
        )
        customer.tags.set(tags)


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_page_costs_the_same_queries_for_3_or_30_customers(client_for, rep, django_assert_max_num_queries):
    rep = english(rep)
    tags = [Tag.objects.create(name="甲"), Tag.objects.create(name="乙")]
    add_customers(rep, 3, tags)
    client = client_for(rep)
    client.get("/customers/")  # warm the caches (dictionary labels, the session)
    few = queries_for(client, "/customers/?level=A&col=name&col=tags&col=owner&col=department&col=level")
    add_customers(rep, 27, tags)
    many = queries_for(client, "/customers/?level=A&col=name&col=tags&col=owner&col=department&col=level")
    assert many == few
    with django_assert_max_num_queries(few):
        client.get("/customers/?level=A&col=name&col=tags&col=owner&col=department&col=level")


def test_the_api_list_costs_the_same_queries_for_3_or_30_customers(api_client_for, rep, django_assert_num_queries):
    tags = [Tag.objects.create(name="甲"), Tag.objects.create(name="乙")]
    add_customers(rep, 3, tags)
    client = api_client_for(rep)
    client.get("/api/v1/customers/")
    few = queries_for(client, "/api/v1/customers/?level=A")
    add_customers(rep, 27, tags)
    with django_assert_num_queries(few):
        body = client.get("/api/v1/customers/?level=A").json()
    assert body["count"] == 30 and body["count_capped"] is False
    assert all(set(row["tags"]) == {"甲", "乙"} for row in body["results"])


def test_an_export_costs_the_same_queries_whatever_the_rows(client_for, rep):
    """Rows are read in chunks (one query for the rows, one for the tags per chunk), never one per row."""
    rep = english(rep)
    tags = [Tag.objects.create(name="甲")]
    add_customers(rep, 5, tags)
    client = client_for(rep)
    read_csv(client.get("/customers/export/"))
    with CaptureQueriesContext(connection) as few:
        assert len(read_csv(client.get("/customers/export/"))) == 6
    add_customers(rep, 40, tags)
    with CaptureQueriesContext(connection) as many:
        assert len(read_csv(client.get("/customers/export/"))) == 46
    assert len(many) == len(few)


# --- in the browser -------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_rep_downloads_their_filtered_list_from_the_export_menu(org, page, login):
    rep, other = org["sales1"], org["sales2"]
    create_customer(actor=rep, data={"name": "华为技术有限公司", "level": "A"})
    create_customer(actor=rep, data={"name": "海尔集团", "level": "B"})
    create_customer(actor=other, data={"name": "李娜的客户", "level": "A"})
    login("sales1")
    page.goto(f"{page.base_url}/customers/?level=A")
    page.click("#export-button")
    with page.expect_download() as download:
        page.locator("#export-menu a[data-export-format=csv]").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    name = rows[0].index("Name") if "Name" in rows[0] else rows[0].index("名称")
    assert [row[name] for row in rows[1:]] == ["华为技术有限公司"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=rep).count() == 1
