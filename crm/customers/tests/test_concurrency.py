"""No lost update on customers and contacts, proved with real threads on the real database (SQLite or
PostgreSQL): concurrent edits of different fields all stay, concurrent tag additions all stay, audit rows record
the value they replaced, and a write based on an old version is refused (API 412/409, the edit form a message)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.audit.models import AuditEvent
from crm.core.testing.threads import run_together, threads_database  # noqa: F401 - a fixture
from crm.customers.models import Customer
from crm.customers.services import create_contact, create_customer, update_contact, update_customer
from crm.customers.services.bulk import bulk_update_customers


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def updates_of(customer: Customer) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Customer),
                                          object_id=str(customer.pk), action=AuditEvent.Action.UPDATE)
                .order_by("id"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_concurrent_patches_of_different_fields_all_stay(org):
    # Given a customer, when 4 clients PATCH 4 different fields at once, 4 rounds in a row (the acceptance check)
    manager = org["manager"]
    customer = create_customer(actor=manager, data={"name": "并发测试客户"})
    token = Token.objects.get_or_create(user=manager)[0].key
    applied = 0
    for _round in range(4):
        values = {"remark": "备注" + uuid.uuid4().hex[:6], "city": "城" + uuid.uuid4().hex[:4],
                  "address": "人民路" + uuid.uuid4().hex[:4] + "号", "name": "并发测试" + uuid.uuid4().hex[:6]}

        def patch(field: str, value: str) -> int:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            return client.patch(f"/api/v1/customers/{customer.pk}/", {field: value}, format="json").status_code

        answers = dict(zip(values, run_together([lambda f=f, v=v: patch(f, v) for f, v in values.items()]),
                           strict=True))
        # Then every edit answered 200 and is in the record
        assert set(answers.values()) == {200}, answers
        final = api(manager).get(f"/api/v1/customers/{customer.pk}/").json()
        assert {field: final[field] for field in values} == values
        applied += len(values)
    assert applied == 16
    customer.refresh_from_db()
    assert customer.version == 1 + 16  # one version per edit, none skipped


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_audit_rows_of_concurrent_edits_record_the_value_they_replaced(org):
    # Given a customer, when 12 clients change its remark at once
    manager = org["manager"]
    customer = create_customer(actor=manager, data={"name": "审计并发客户", "remark": "r0"})
    token = Token.objects.get_or_create(user=manager)[0].key

    def patch(value: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.patch(f"/api/v1/customers/{customer.pk}/", {"remark": value}, format="json").status_code

    assert set(run_together([lambda i=i: patch(f"r{i + 1}") for i in range(12)])) == {200}
    # Then the audit rows form one chain: each row's "from" is the value the row before it wrote
    rows = [event.changes["remark"] for event in updates_of(customer)]
    assert len(rows) == 12
    assert rows[0][0] == "r0"
    assert all(later[0] == earlier[1] for earlier, later in zip(rows, rows[1:], strict=False))
    customer.refresh_from_db()
    assert customer.remark == rows[-1][1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_concurrent_tag_additions_all_stay(org):
    # Given a tagged customer, when 10 clients each add a tag at once (PATCH add_tags)
    manager = org["manager"]
    customer = create_customer(actor=manager, data={"name": "标签并发客户", "tags": ["老客户"]})
    token = Token.objects.get_or_create(user=manager)[0].key

    def add(name: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.patch(f"/api/v1/customers/{customer.pk}/", {"add_tags": [name]}, format="json").status_code

    assert set(run_together([lambda i=i: add(f"标签{i}") for i in range(10)])) == {200}
    # Then all ten are there, and the one it had
    assert sorted(customer.tags.values_list("name", flat=True)) == sorted(["老客户", *(f"标签{i}" for i in range(10))])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_concurrent_bulk_tagging_keeps_every_tag(org):
    # Given customers, when 8 bulk "tag" actions run at once, each adding its own tag to both
    manager = org["manager"]
    first = create_customer(actor=manager, data={"name": "批量并发甲"})
    second = create_customer(actor=manager, data={"name": "批量并发乙"})

    def tag(name: str):
        return bulk_update_customers(actor=manager, action="tag", ids=[first.pk, second.pk], tag_names=[name])

    results = run_together([lambda i=i: tag(f"批量{i}") for i in range(8)])
    assert all(sorted(result.done) == sorted([first.pk, second.pk]) for result in results)
    # Then both customers carry all eight
    for customer in (first, second):
        assert sorted(customer.tags.values_list("name", flat=True)) == sorted(f"批量{i}" for i in range(8))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_replacing_the_tag_set_from_an_old_read_is_refused_not_lost(org):
    # Given a customer every client has read (version and tags), when 6 of them replace the whole set at once,
    # each adding its tag to what it read and sending If-Match
    manager = org["manager"]
    customer = create_customer(actor=manager, data={"name": "整组替换客户", "tags": ["起始"]})
    token = Token.objects.get_or_create(user=manager)[0].key
    read = api(manager).get(f"/api/v1/customers/{customer.pk}/")
    etag, tags = read["ETag"], read.json()["tags"]

    def replace(name: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.patch(f"/api/v1/customers/{customer.pk}/", {"tags": [*tags, name]}, format="json",
                            HTTP_IF_MATCH=etag).status_code

    answers = run_together([lambda i=i: replace(f"替换{i}") for i in range(6)])
    # Then exactly one applied; the others were told the record changed (412) — no tag silently lost
    assert sorted(answers) == [200] + [412] * 5
    winner = next(f"替换{i}" for i, status in enumerate(answers) if status == 200)
    assert sorted(customer.tags.values_list("name", flat=True)) == sorted(["起始", winner])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_concurrent_contact_edits_of_different_fields_all_stay(org):
    manager = org["manager"]
    customer = create_customer(actor=manager, data={"name": "联系人并发客户"})
    contact = create_contact(actor=manager, customer=customer, data={"name": "赵六"})
    token = Token.objects.get_or_create(user=manager)[0].key
    values = {"title": "经理", "remark": "常用微信", "name": "赵六六", "gender": "male"}

    def patch(field: str, value: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.patch(f"/api/v1/contacts/{contact.pk}/", {field: value}, format="json").status_code

    assert set(run_together([lambda f=f, v=v: patch(f, v) for f, v in values.items()])) == {200}
    contact.refresh_from_db()
    assert {field: getattr(contact, field) for field in values} == values
    assert contact.version == 1 + len(values)


# --- Refusing writes based on an old version ------------------------------------------------------------

@pytest.fixture
def customer(org):
    return create_customer(actor=org["manager"], data={"name": "版本客户", "city": "杭州"})


@pytest.mark.django_db
def test_the_detail_answer_carries_the_version_as_etag_and_a_patch_moves_it(org, customer):
    client = api(org["manager"])
    read = client.get(f"/api/v1/customers/{customer.pk}/")
    assert read["ETag"] == '"1"' and read.json()["version"] == 1
    written = client.patch(f"/api/v1/customers/{customer.pk}/", {"city": "宁波"}, format="json", HTTP_IF_MATCH='"1"')
    assert written.status_code == 200
    assert written["ETag"] == '"2"' and written.json()["version"] == 2


@pytest.mark.django_db
def test_a_patch_with_an_old_if_match_is_refused_with_412_and_changes_nothing(org, customer):
    update_customer(actor=org["manager"], customer=customer, data={"city": "宁波"})  # someone else: version 2
    response = api(org["manager"]).patch(
        f"/api/v1/customers/{customer.pk}/", {"city": "温州"}, format="json", HTTP_IF_MATCH='"1"',
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "precondition_failed" and error["current_version"] == 2
    with translation.override("zh-hans"):
        assert error["message"] == translation.gettext(
            "Someone else changed this record after you opened it. Reload it to see their change, "
            "then make yours again.")
    assert "其他人" in error["message"]
    customer.refresh_from_db()
    assert customer.city == "宁波" and customer.version == 2


@pytest.mark.django_db
def test_a_body_version_that_is_not_the_current_one_is_refused_with_409(org, customer):
    update_customer(actor=org["manager"], customer=customer, data={"city": "宁波"})
    client = api(org["manager"])
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"city": "温州", "version": 1}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    customer.refresh_from_db()
    assert customer.city == "宁波"
    # With the current version the same write applies
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"city": "温州", "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["city"] == "温州"


@pytest.mark.django_db
def test_a_version_that_is_no_number_is_a_field_error(org, customer):
    response = api(org["manager"]).patch(f"/api/v1/customers/{customer.pk}/", {"version": "²"}, format="json")
    assert response.status_code == 400 and "version" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_an_out_of_scope_customer_answers_404_whatever_the_if_match(org, customer):
    response = api(org["sales2"]).patch(f"/api/v1/customers/{customer.pk}/", {"city": "x"}, format="json",
                                        HTTP_IF_MATCH='"999"')
    assert response.status_code == 404


@pytest.mark.django_db
def test_tags_and_their_additions_cannot_be_sent_together(org, customer):
    response = api(org["manager"]).patch(f"/api/v1/customers/{customer.pk}/", {"tags": ["a"], "add_tags": ["b"]},
                                         format="json")
    assert response.status_code == 400 and "tags" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_add_and_remove_change_only_what_they_name(org):
    manager = org["manager"]
    customer = create_customer(actor=manager, data={"name": "增删客户", "tags": ["甲", "乙"],
                                                    "collaborators": [org["sales1"]]})
    response = api(manager).patch(f"/api/v1/customers/{customer.pk}/", {
        "add_tags": ["丙"], "remove_tags": ["甲"], "add_collaborators": [org["sales2"].pk],
        "remove_collaborators": [org["sales1"].pk]}, format="json")
    assert response.status_code == 200
    assert sorted(response.json()["tags"]) == ["丙", "乙"]
    assert response.json()["collaborators"] == [org["sales2"].pk]
    event = updates_of(customer)[-1]
    assert event.changes["tags"] == [["乙", "甲"], ["丙", "乙"]]
    assert "version" not in event.changes  # bookkeeping, not history


@pytest.mark.django_db
def test_a_stale_edit_form_is_refused_with_the_typed_values_kept_and_a_reload_link(org, customer, client_for):
    # Given the edit form opened at version 1
    manager = org["manager"]
    client = client_for(manager)
    url = reverse("customers:edit", args=[customer.pk])
    page = client.get(url)
    assert b'name="version" value="1"' in page.content
    # When someone else changes the customer, then the form is sent
    update_customer(actor=manager, customer=customer, data={"city": "宁波"})
    data = {"name": "版本客户", "kind": customer.kind, "owner": manager.pk, "city": "杭州", "remark": "我刚写的备注",
            "version": "1"}
    with translation.override("zh-hans"):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
        message = translation.gettext("Someone else changed this record after you opened it. Reload it to see "
                                      "their change, then make yours again.")
    # Then nothing changed, the page says why, keeps what was typed and offers to reload
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "我刚写的备注" in response.content.decode()
    assert f'href="{url}" id="reload-record"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.city == "宁波" and customer.remark == "" and customer.version == 2
    # And after reloading (the current version), the same edit saves
    data["version"] = "2"
    data["city"] = "宁波"
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.remark == "我刚写的备注" and customer.version == 3


@pytest.mark.django_db
def test_a_stale_contact_form_is_refused(org, customer, client_for):
    manager = org["manager"]
    contact = create_contact(actor=manager, customer=customer, data={"name": "钱七"})
    url = reverse("customers:contact_edit", args=[contact.pk])
    client = client_for(manager)
    assert b'name="version" value="1"' in client.get(url).content
    update_contact(actor=manager, contact=contact, data={"title": "总监"})
    response = client.post(url, {"name": "钱七七", "gender": "", "version": "1"})
    assert response.status_code == 200 and b'id="reload-record"' in response.content
    contact.refresh_from_db()
    assert contact.name == "钱七" and contact.title == "总监"
