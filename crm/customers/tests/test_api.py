"""Customers through the REST API: the same scope, field rules and audit as the pages."""

import pytest

from crm.accounts.models import Department, Role, User
from crm.audit.models import AuditEvent
from crm.customers.models import Customer
from crm.customers.services import create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(org):
    return {
        name: create_customer(
            actor=user, data={"name": f"{user.name}客户", "phone": "13800001111", "email": f"{name}@client.cn"}
        )
        for name, user in org.items()
    }


def test_create_with_just_a_name(api_client_for, rep):
    response = api_client_for(rep).post("/api/v1/customers/", {"name": "阿里巴巴"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == rep.pk and body["department"] == rep.department_id
    assert AuditEvent.objects.filter(action="create", object_id=str(body["id"])).exists()


def test_out_of_scope_ids_answer_404_on_every_method(api_client_for, rep, customers):
    client = api_client_for(rep)
    url = f"/api/v1/customers/{customers['sales2'].pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert client.put(url, {"name": "x"}, format="json").status_code == 404
    assert client.get("/api/v1/customers/").json()["count"] == 1


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("own", {"sales1"}),
        ("subordinates", {"sales1", "sales2", "manager"}),
        ("department", {"manager"}),
        ("department_tree", {"manager", "sales1", "sales2"}),
        ("all", {"admin", "manager", "sales1", "sales2", "marketing1", "support1"}),
    ],
)
def test_each_data_scope_through_the_api(api_client_for, org, customers, scope, expected):
    # A user placed like the sales manager (销售部, with both reps reporting to them) but with the scope under test.
    role = Role.objects.create(code=f"t-{scope}", name=scope, data_scope=scope, permissions=["customers.view"])
    if scope == "own":
        user = org["sales1"]
        user.roles.set([role])
    else:
        user = org["manager"]
        user.roles.set([role])
    names = {
        c["name"] for c in api_client_for(User.objects.get(pk=user.pk)).get("/api/v1/customers/").json()["results"]
    }
    assert names == {f"{org[n].name}客户" for n in expected}


def test_hidden_fields_are_absent_and_cannot_be_written(api_client_for, org, customers):
    client = api_client_for(org["marketing1"])
    own = customers["marketing1"]
    body = client.get(f"/api/v1/customers/{own.pk}/").json()
    assert "phone" not in body and "email" not in body and body["name"] == own.name
    response = client.patch(f"/api/v1/customers/{own.pk}/", {"phone": "13900000000"}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]
    own.refresh_from_db()
    assert own.phone == "13800001111"


def test_a_read_only_field_is_returned_but_refused_on_write(api_client_for, rep, customers):
    Role.objects.filter(code="sales_rep").update(denied_edit_fields=["customers.customer.level"])
    client = api_client_for(rep)
    own = customers["sales1"]
    assert "level" in client.get(f"/api/v1/customers/{own.pk}/").json()
    response = client.patch(f"/api/v1/customers/{own.pk}/", {"level": "A"}, format="json")
    assert response.status_code == 400 and "level" in response.json()["error"]["fields"]


def test_updates_are_audited_field_by_field(api_client_for, rep, customers):
    own = customers["sales1"]
    api_client_for(rep).patch(f"/api/v1/customers/{own.pk}/", {"name": "新名"}, format="json")
    event = AuditEvent.objects.filter(action="update", object_id=str(own.pk)).latest("id")
    assert event.changes["name"] == ["张伟客户", "新名"] and event.actor == rep


def test_validation_errors_use_the_one_error_format(api_client_for, rep):
    response = api_client_for(rep).post("/api/v1/customers/", {"name": "", "email": "bad"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"name", "email"}
    assert Customer.objects.count() == 0


def test_assigning_to_another_user_needs_the_assign_permission(api_client_for, rep, other_rep, manager):
    response = api_client_for(rep).post("/api/v1/customers/", {"name": "x", "owner": other_rep.pk}, format="json")
    assert response.status_code == 400 and "owner" in response.json()["error"]["fields"]
    response = api_client_for(manager).post("/api/v1/customers/", {"name": "y", "owner": other_rep.pk}, format="json")
    assert response.status_code == 201
    assert Customer.objects.get(name="y").department == other_rep.department


def test_filtering_search_ordering_and_page_size_cap(api_client_for, admin_user, settings):
    for i in range(5):
        create_customer(actor=admin_user, data={"name": f"客户{i}", "level": "A" if i % 2 else "B"})
    client = api_client_for(admin_user)
    assert client.get("/api/v1/customers/", {"level": "A"}).json()["count"] == 2
    assert client.get("/api/v1/customers/", {"search": "客户3"}).json()["count"] == 1
    names = [c["name"] for c in client.get("/api/v1/customers/", {"ordering": "name"}).json()["results"]]
    assert names == sorted(names)
    response = client.get("/api/v1/customers/", {"page_size": 100000})
    assert response.status_code == 200 and len(response.json()["results"]) == 5


def test_a_user_without_the_module_gets_403_in_the_error_format(api_client_for, org):
    nobody = User.objects.create_user(username="nobody", password="x", department=Department.objects.first())
    response = api_client_for(nobody).get("/api/v1/customers/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_picklist_fields_accept_only_dictionary_codes(api_client_for, rep):
    client = api_client_for(rep)
    response = client.post("/api/v1/customers/", {"name": "x", "industry": "astrology"}, format="json")
    assert response.status_code == 400 and "industry" in response.json()["error"]["fields"]
    response = client.post("/api/v1/customers/", {"name": "x", "industry": "finance", "level": "A"}, format="json")
    assert response.status_code == 201
