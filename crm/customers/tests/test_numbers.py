"""客户编号: every customer gets a number from the customers' sequence, shown, searched, exported, never changed,
kept through merges, and given to existing customers by the migration."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from crm.core.errors import DomainError
from crm.core.fulltext import repair_search_indexes
from crm.core.pinyin import search_text
from crm.customers.models import Customer
from crm.customers.services import create_customer, update_customer
from crm.customers.services.merge import merge_customers
from crm.system.models import NumberSequence

pytestmark = pytest.mark.django_db


def this_year() -> int:
    return timezone.localdate().year


def new(user, name, **fields) -> Customer:
    return create_customer(actor=user, data={"name": name, **fields})


def test_a_customer_created_on_the_page_gets_the_next_number_and_shows_it(client_for, rep):
    client = client_for(rep)
    client.post(reverse("customers:create"), {"name": "华为技术", "kind": "company", "owner": rep.pk})
    client.post(reverse("customers:create"), {"name": "海尔集团", "kind": "company", "owner": rep.pk})
    first, second = Customer.objects.get(name="华为技术"), Customer.objects.get(name="海尔集团")
    assert (first.number, second.number) == (f"KH{this_year()}-000001", f"KH{this_year()}-000002")
    page = client.get(first.get_absolute_url()).content.decode()
    assert 'data-field="number"' in page and first.number in page


def test_the_number_is_a_list_column(client_for, rep):
    customer = new(rep, "华为技术")
    page = client_for(rep).get(reverse("customers:list"), {"col": ["name", "number"]}).content.decode()
    assert customer.number in page


def test_the_api_gives_the_number_and_never_takes_one(api_client_for, rep):
    client = api_client_for(rep)
    created = client.post("/api/v1/customers/", {"name": "华为技术", "number": "MINE-1"}, format="json")
    assert created.status_code == 201 and created.json()["number"] == f"KH{this_year()}-000001"
    url = f"/api/v1/customers/{created.json()['id']}/"
    changed = client.patch(url, {"number": "KH1999-000001", "city": "深圳"}, format="json")
    assert changed.status_code == 200 and changed.json()["number"] == f"KH{this_year()}-000001"
    assert Customer.objects.get(pk=created.json()["id"]).city == "深圳"


def test_an_edit_cannot_renumber_a_customer(client_for, admin_user):
    customer = new(admin_user, "华为技术")
    response = client_for(admin_user).post(reverse("customers:edit", args=[customer.pk]),
                                           {"name": "华为", "kind": "company", "owner": admin_user.pk,
                                            "number": "KH1999-000001"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.number) == ("华为", f"KH{this_year()}-000001")
    with pytest.raises(DomainError) as error:
        update_customer(actor=admin_user, customer=customer, data={"number": "KH1999-000001"})
    assert error.value.field == "number"


def test_a_given_number_is_kept_when_well_formed_and_unused(rep):
    kept = new(rep, "旧系统客户", number="OLD-0042")
    assert kept.number == "OLD-0042"
    with pytest.raises(ValidationError) as taken:
        new(rep, "另一个", number="OLD-0042")
    assert taken.value.messages == ["已有其他客户使用此编号。"]
    with pytest.raises(ValidationError) as malformed:
        new(rep, "第三个", number="OLD 42")
    assert "number" in malformed.value.message_dict
    assert Customer.objects.count() == 1


def test_a_number_taken_by_hand_is_skipped_by_the_sequence(rep):
    new(rep, "导入的客户", number=f"KH{this_year()}-000002")
    assert [new(rep, name).number for name in ("甲", "乙")] == [f"KH{this_year()}-000001",
                                                                 f"KH{this_year()}-000003"]


def test_search_finds_a_customer_by_number(api_client_for, client_for, rep, other_rep):
    mine, theirs = new(rep, "杭州云帆科技"), new(other_rep, "宁波港务")
    api = api_client_for(rep)
    titles = [hit["title"] for hit in api.get("/api/v1/search/", {"q": mine.number}).json()["results"]]
    assert titles == ["杭州云帆科技"]
    assert api.get("/api/v1/search/", {"q": theirs.number}).json()["results"] == []  # out of scope
    assert [c["name"] for c in api.get("/api/v1/customers/", {"search": mine.number.lower()}).json()["results"]] == [
        "杭州云帆科技"]
    page = client_for(rep).get(reverse("customers:list"), {"q": mine.number}).content.decode()
    assert "杭州云帆科技" in page
    assert mine.number.lower() in Customer.objects.get(pk=mine.pk).search_text


def test_the_export_has_the_number_column(client_for, rep):
    customer = new(rep, "华为技术")
    response = client_for(rep).get("/customers/export/?format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["客户编号"] for row in rows] == [customer.number]


def test_a_merge_keeps_both_numbers_and_the_old_number_finds_the_survivor(admin_user, api_client_for):
    survivor, merged = new(admin_user, "西湖科技有限公司"), new(admin_user, "西湖科技")
    merge_customers(actor=admin_user, survivor=survivor, others=[merged])
    survivor.refresh_from_db()
    merged = Customer.all_objects.get(pk=merged.pk)
    assert survivor.number == f"KH{this_year()}-000001" and merged.number == f"KH{this_year()}-000002"
    assert merged.merged_into_id == survivor.pk
    hits = api_client_for(admin_user).get("/api/v1/search/", {"q": merged.number}).json()["results"]
    assert [(hit["title"], hit["url"]) for hit in hits] == [("西湖科技有限公司", survivor.get_absolute_url())]


def test_demo_customers_are_numbered(org):
    from crm.customers import demo

    demo.load(org)
    numbers = list(Customer.all_objects.values_list("number", flat=True))
    assert numbers and None not in numbers and len(set(numbers)) == len(numbers)


# --- the migration -----------------------------------------------------------------------------------------------

BEFORE = [("customers", "0010_classification_fields")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_customers_by_creation_year(org):
    rep = org["sales1"]
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    OldCustomer = old_apps.get_model("customers", "Customer")
    year = this_year()
    # A few thousand customers over three years, inserted out of creation order.
    rows = [OldCustomer(name=f"客户{i}", owner_id=rep.pk, department_id=rep.department_id, created_by_id=rep.pk,
                        search_text=f"客户{i} kehu{i}") for i in range(3000)]
    OldCustomer.objects.bulk_create(rows, batch_size=500)
    for i, row in enumerate(rows):  # auto_now_add wrote "now" on create
        row.created_at = dt.datetime(year - 2 + i % 3, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=3000 - i)
    OldCustomer.objects.bulk_update(rows, ["created_at"], batch_size=500)
    NumberSequence.objects.filter(code="customers.customer").delete()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    repair_search_indexes()

    numbers = dict(Customer.all_objects.values_list("name", "number"))
    assert len(set(numbers.values())) == 3000 and None not in numbers.values()
    # Oldest first within each year (the higher i, the older): i % 3 == 0 is year - 2, i % 3 == 2 this year.
    assert numbers["客户2997"] == f"KH{year - 2}-000001" and numbers["客户0"] == f"KH{year - 2}-001000"
    assert numbers["客户2999"] == f"KH{year}-000001" and numbers["客户2"] == f"KH{year}-001000"
    assert Customer.all_objects.get(name="客户7").search_text == search_text("客户7", numbers["客户7"])
    # The sequence goes on after this year's last number, and search finds the migrated numbers.
    assert create_customer(actor=rep, data={"name": "新客户"}).number == f"KH{year}-001001"
    from crm.core.fulltext import find_matches

    found = find_matches(Customer.objects.all(), numbers["客户5"], 5, user=rep)
    assert found == [Customer.objects.get(name="客户5").pk]
