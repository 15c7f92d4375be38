"""Export → import is lossless: a customer list exported as CSV and imported back ("update duplicates") changes
nothing; editing cells changes exactly those fields, each in the audit trail. Through the real doors: the list's
export view, then upload → mapping → preview → run."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.audit.services import snapshot
from crm.customers.exports import CUSTOMER_EXPORT
from crm.customers.models import Customer, Tag
from crm.customers.services import create_customer
from crm.imports.tests.sample_files import preview, run

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["en", "zh-hans"])
def rep(org, request):
    """The rep, exporting in English or in Chinese (headings, dictionary and kind labels in that language)."""
    user = org["sales1"]
    user.language = request.param
    user.save(update_fields=["language"])
    return User.objects.get(pk=user.pk)


@pytest.fixture
def book(rep):
    """Customers whose values an export writes in ways a naive import reads back wrong."""
    with translation.override("en"):
        both = Tag.objects.create(name="华东/华南")  # holds a tag separator
        comma = Tag.objects.create(name="Key, strategic")  # holds the separator the export joins tags with
        plain = Tag.objects.create(name="重点客户")
        return {
            "quotes": create_customer(actor=rep, data={
                "name": "海尔集团", "kind": "company", "level": "B", "industry": "manufacturing",
                "remark": '他说 "好"', "address": '"总部" 大楼', "tags": [plain, both]}),
            "formula": create_customer(actor=rep, data={
                "name": "=HYPERLINK(\"http://x\")", "remark": "-备注", "address": "=SUM(A1)", "city": "+杭州",
                "tags": [comma]}),
            "person": create_customer(actor=rep, data={
                "name": "王小明", "kind": "individual", "phone": "+86 138-0013-8000", "email": "Wang@Example.CN",
                "source": "exhibition", "level": "A", "credit_rating": "AAA", "scale": "small",
                "customer_type": "partner", "tags": [comma, plain, both]}),
            # the same name twice: only the ID column tells them apart
            "twin_a": create_customer(actor=rep, data={"name": "同名公司", "level": "A"}),
            "twin_b": create_customer(actor=rep, data={"name": "同名公司", "level": "C", "remark": "第二家"}),
        }


def state(customer: Customer) -> dict:
    customer = Customer.all_objects.get(pk=customer.pk)
    return {**snapshot(customer), "tags": sorted(customer.tags.values_list("name", flat=True)),
            "updated_at": customer.updated_at}


def exported(client_for, user) -> list[list[str]]:
    response = client_for(user).get("/customers/export/?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def as_csv(rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile("customers.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def reimport(user, rows, capture):
    with translation.override("en"):
        job = preview(user, as_csv(rows), policy="update")
        assert set(job.mapping.values()) == {  # every exported column that a user can import
            "id", "number", "name", "kind", "phone", "email", "customer_type", "industry", "scale", "source", "level",
            "credit_rating", "city", "tags", "owner", "address", "remark", "phone_extension", "credit_code",
            "tax_number", "invoice_address", "invoice_phone", "bank_name", "bank_account"}
        assert job.error_count == 0, job.issues
        return run(user, job, capture)


def test_an_exported_list_imported_back_changes_nothing(rep, book, client_for, django_capture_on_commit_callbacks):
    # Given the rep's customers, exported from the list
    before = {key: state(customer) for key, customer in book.items()}
    rows = exported(client_for, rep)
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    # When the file is imported back, updating duplicates
    job = reimport(rep, rows, django_capture_on_commit_callbacks)

    # Then every row matched its own customer and nothing changed: no field, no tag, no timestamp, no audit row
    assert job.status == "done" and (job.created_count, job.updated_count, job.error_count) == (0, 0, 0)
    assert {key: state(customer) for key, customer in book.items()} == before
    assert not AuditEvent.objects.filter(id__gt=last_event).exclude(action=AuditEvent.Action.IMPORT).exists()
    assert Customer.objects.count() == len(book)


def test_three_edited_cells_change_exactly_those_three_fields_in_the_audit_trail(
    rep, book, client_for, django_capture_on_commit_callbacks
):
    # Given the export, with three cells edited: a level, a remark and a customer's tags (one gone, one new)
    rows = exported(client_for, rep)
    names = [column.name for column in CUSTOMER_EXPORT.columns_for(rep)]  # the export's columns, in order
    column = {name: names.index(name) for name in ("id", "level", "remark", "tags")}
    by_id = {row[column["id"]]: row for row in rows[1:]}
    by_id[str(book["twin_b"].pk)][column["level"]] = "A"
    by_id[str(book["quotes"].pk)][column["remark"]] = '他说 "很好"'
    by_id[str(book["person"].pk)][column["tags"]] = "Key, strategic, 展会2026"
    before = {key: state(customer) for key, customer in book.items()}
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    # When it is imported back
    job = reimport(rep, rows, django_capture_on_commit_callbacks)

    # Then exactly those three fields changed, each with its audit row, and nothing else did
    assert (job.created_count, job.updated_count) == (0, 3)
    after = {key: state(customer) for key, customer in book.items()}
    changed = {
        (key, name)
        for key in book
        for name in after[key]
        if name != "updated_at" and after[key][name] != before[key][name]
    }
    assert changed == {("twin_b", "level"), ("quotes", "remark"), ("person", "tags")}
    updates = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, id__gt=last_event)
    assert sorted((event.object_id, event.changes) for event in updates) == sorted([
        (str(book["twin_b"].pk), {"level": ["C", "A"]}),
        (str(book["quotes"].pk), {"remark": ['他说 "好"', '他说 "很好"']}),
        (str(book["person"].pk),
         {"tags": [["Key, strategic", "华东/华南", "重点客户"], ["Key, strategic", "展会2026"]]}),
    ])
    assert {key for key in book if after[key]["updated_at"] != before[key]["updated_at"]} == {
        "twin_b", "quotes", "person"}
