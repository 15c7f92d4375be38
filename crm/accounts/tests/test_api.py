"""The API of users, departments, roles and one's own profile: the pages' permissions, rules and audit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.accounts import services
from crm.accounts.models import Department, Role, User
from crm.audit.models import AuditEvent
from crm.customers.models import Customer
from tests_support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lantern-river-2027"
NOT_ADMINS = ["manager", "sales1", "marketing1"]


@pytest.fixture
def role_holder(org):
    """role_holder(*permissions) -> a user of 总经办 whose only role grants those codes."""

    def make(*permissions: str) -> User:
        code = "r" + str(Role.objects.count())
        role = Role.objects.create(name=code, code=code, permissions=list(permissions))
        user = User.objects.create_user(username=f"holder-{code}", name="持有人", password=DEMO_PASSWORD,
                                        department=Department.objects.get(code="gm"))
        user.roles.add(role)
        return user

    return make


def error_fields(response) -> dict:
    return response.json()["error"].get("fields", {})


def audit_rows(action, instance) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(instance.pk),
                                     content_type__model=instance._meta.model_name).count()


# --- Who may do what: the same "system" permissions as the pages under /system/ ------------------------

READ_URLS = ["/api/v1/users/", "/api/v1/departments/", "/api/v1/roles/", "/api/v1/roles/catalogue/"]


@pytest.mark.parametrize("url", READ_URLS)
def test_admin_reads_the_admin_lists(org, api_client_for, url):
    assert api_client_for(org["admin"]).get(url).status_code == 200


@pytest.mark.parametrize("persona", NOT_ADMINS)
@pytest.mark.parametrize("url", READ_URLS)
def test_business_roles_get_403_on_the_admin_lists(org, api_client_for, persona, url):
    response = api_client_for(org[persona]).get(url)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_business_roles_get_403_on_every_admin_write_and_nothing_changes(org, api_client_for, persona):
    client = api_client_for(org[persona])
    target, sales1 = org["sales2"], Department.objects.get(code="sales1")
    role = Role.objects.get(code="sales_rep")
    calls = [
        client.get(f"/api/v1/users/{target.pk}/"),
        client.post("/api/v1/users/", {"username": "x1", "name": "某人", "password": NEW_PASSWORD}, format="json"),
        client.patch(f"/api/v1/users/{target.pk}/", {"is_active": False}, format="json"),
        client.post(f"/api/v1/users/{target.pk}/password/", {"password": NEW_PASSWORD}, format="json"),
        client.post("/api/v1/departments/", {"name": "新部门"}, format="json"),
        client.patch(f"/api/v1/departments/{sales1.pk}/", {"name": "改名"}, format="json"),
        client.delete(f"/api/v1/departments/{sales1.pk}/"),
        client.post("/api/v1/roles/", {"name": "超级", "code": "super", "data_scope": "all"}, format="json"),
        client.patch(f"/api/v1/roles/{role.pk}/", {"data_scope": "all"}, format="json"),
        client.delete(f"/api/v1/roles/{role.pk}/"),
    ]
    assert [response.status_code for response in calls] == [403] * len(calls)
    target.refresh_from_db()
    role.refresh_from_db()
    assert target.is_active and target.check_password(DEMO_PASSWORD)
    assert role.data_scope == "own" and Department.objects.get(pk=sales1.pk).name == "销售一部"
    assert not User.objects.filter(username="x1").exists()
    assert not Department.objects.filter(name="新部门").exists() and not Role.objects.filter(code="super").exists()


def test_system_view_reads_but_does_not_write(role_holder, api_client_for, org):
    client = api_client_for(role_holder("system.view"))
    target = org["sales2"]
    assert client.get("/api/v1/users/").status_code == 200
    assert client.get(f"/api/v1/users/{target.pk}/").status_code == 200
    assert client.get("/api/v1/roles/").status_code == 200
    assert client.patch(f"/api/v1/users/{target.pk}/", {"position": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/users/{target.pk}/password/", {"password": NEW_PASSWORD},
                       format="json").status_code == 403


def test_each_write_needs_its_own_action(role_holder, api_client_for):
    """system.edit changes, but creating needs system.create and deleting system.delete (as the pages)."""
    client = api_client_for(role_holder("system.view", "system.edit"))
    department = Department.objects.get(code="support")
    assert client.patch(f"/api/v1/departments/{department.pk}/", {"sort_order": 9}, format="json").status_code == 200
    assert client.post("/api/v1/departments/", {"name": "新部门"}, format="json").status_code == 403
    empty = Department.objects.create(name="空部门")
    assert client.delete(f"/api/v1/departments/{empty.pk}/").status_code == 403
    assert Department.objects.filter(pk=empty.pk).exists()


def test_no_credentials_are_a_401(org):
    for url in [*READ_URLS, "/api/v1/me/", "/api/v1/me/token/"]:
        response = APIClient().get(url)
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


# --- Users ------------------------------------------------------------------------------------------------

def test_the_user_list_filters_by_department_role_and_active(org, api_client_for):
    client = api_client_for(org["admin"])
    services.update_user(actor=org["admin"], user=org["sales2"], data={"is_active": False})
    sales1 = Department.objects.get(code="sales1")
    rep_role = Role.objects.get(code="sales_rep")

    def names(**params):
        return sorted(row["username"] for row in client.get("/api/v1/users/", params).json()["results"])

    assert names(department=sales1.pk) == ["sales1"]
    assert names(role=rep_role.pk) == ["sales1", "sales2"]
    assert names(role=rep_role.pk, active="true") == ["sales1"]
    assert names(active="false") == ["sales2"]
    assert names(search="张伟") == ["sales1"]
    assert names(search="marketing") == ["marketing1"]
    assert names(q="E0121") == ["sales2"]


def test_a_malformed_user_filter_is_a_400_naming_it(org, api_client_for):
    response = api_client_for(org["admin"]).get("/api/v1/users/", {"department": "abc"})
    assert response.status_code == 400 and "department" in error_fields(response)


def test_no_password_hash_ever_leaves(org, api_client_for):
    client = api_client_for(org["admin"])
    hashes = list(User.objects.values_list("password", flat=True))
    responses = [client.get("/api/v1/users/", {"page_size": 200}), client.get(f"/api/v1/users/{org['sales1'].pk}/"),
                 client.get("/api/v1/me/"), client.get("/api/v1/users/", {"ordering": "password"})]
    for response in responses:
        assert response.status_code == 200
        assert "password" not in response.content.decode()
        assert not any(hashed in response.content.decode() for hashed in hashes)


def test_admin_creates_a_user_who_then_signs_in_and_the_creation_is_audited(org, api_client_for):
    sales1, rep_role = Department.objects.get(code="sales1"), Role.objects.get(code="sales_rep")
    response = api_client_for(org["admin"]).post("/api/v1/users/", {
        "username": "zhao", "name": "赵敏", "department": sales1.pk, "manager": org["manager"].pk,
        "roles": [rep_role.pk], "password": NEW_PASSWORD, "email": "zhao@example.cn",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["department_name"] == "销售一部" and body["manager_name"] == "王经理"
    assert body["role_names"] == ["销售代表"] and "password" not in body
    user = User.objects.get(username="zhao")
    assert user.employee_no is None and user.effective_data_scope == "own"
    assert audit_rows(AuditEvent.Action.CREATE, user) == 1
    token = APIClient().post("/api/v1/auth/token/", {"username": "zhao", "password": NEW_PASSWORD}, format="json")
    assert token.status_code == 200


def test_two_users_without_employee_number_are_fine(org, api_client_for):
    client = api_client_for(org["admin"])
    for username in ("u1", "u2"):
        response = client.post("/api/v1/users/", {"username": username, "name": username, "employee_no": "",
                                                  "password": NEW_PASSWORD}, format="json")
        assert response.status_code == 201, response.content


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": ""}, "name"),
    ({"username": "sales1"}, "username"),
    ({"username": "bad name!"}, "username"),
    ({"employee_no": "E0111"}, "employee_no"),
    ({"password": "12345678"}, "password"),
    ({"password": "short"}, "password"),
    ({"department": 999999}, "department"),
    ({"department": "abc"}, "department"),
    ({"manager": 999999}, "manager"),
    ({"roles": [999999]}, "roles"),
    ({"email": "not-an-address"}, "email"),
    ({"language": "fr"}, "language"),
])
def test_user_creation_refuses_bad_fields_by_name_and_creates_nothing(org, api_client_for, payload, field):
    data = {"username": "newbie", "name": "新人", "password": NEW_PASSWORD, **payload}
    count = User.objects.count()
    response = api_client_for(org["admin"]).post("/api/v1/users/", data, format="json")
    assert response.status_code == 400 and field in error_fields(response), response.content
    assert User.objects.count() == count


def test_an_inactive_department_cannot_take_new_users(org, api_client_for):
    closed = Department.objects.create(name="已撤销", is_active=False)
    response = api_client_for(org["admin"]).post("/api/v1/users/", {
        "username": "newbie", "name": "新人", "password": NEW_PASSWORD, "department": closed.pk}, format="json")
    assert response.status_code == 400 and "department" in error_fields(response)


def test_field_messages_come_in_the_callers_language(org, api_client_for):
    admin = org["admin"]
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    response = api_client_for(admin).post("/api/v1/users/", {"username": "sales1", "name": "",
                                                             "password": NEW_PASSWORD}, format="json")
    fields = error_fields(response)
    assert "已存在" in fields["username"][0] and "不能为空" in fields["name"][0]
    admin.language = "en"
    admin.save(update_fields=["language"])
    response = api_client_for(admin).post("/api/v1/users/", {"username": "sales1", "name": "x",
                                                             "password": NEW_PASSWORD}, format="json")
    assert "already exists" in error_fields(response)["username"][0]


def test_a_manager_cycle_is_refused_on_the_manager_field(org, api_client_for):
    client = api_client_for(org["admin"])
    manager, rep = org["manager"], org["sales1"]
    response = client.patch(f"/api/v1/users/{manager.pk}/", {"manager": rep.pk}, format="json")
    assert response.status_code == 400 and "manager" in error_fields(response)
    response = client.patch(f"/api/v1/users/{rep.pk}/", {"manager": rep.pk}, format="json")
    assert response.status_code == 400 and "manager" in error_fields(response)
    manager.refresh_from_db()
    rep.refresh_from_db()
    assert manager.manager is None and rep.manager == manager


def test_editing_a_user_changes_roles_and_writes_the_diff(org, api_client_for):
    rep = org["sales1"]
    marketing = Role.objects.get(code="marketing")
    response = api_client_for(org["admin"]).patch(
        f"/api/v1/users/{rep.pk}/", {"roles": [marketing.pk], "position": "市场专员"}, format="json")
    assert response.status_code == 200 and response.json()["role_names"] == ["市场专员"]
    event = AuditEvent.objects.filter(action="update", object_id=str(rep.pk)).latest("id")
    assert event.changes["roles"] == [["销售代表"], ["市场专员"]]
    assert event.changes["position"] == ["销售代表", "市场专员"]


def test_a_deactivated_user_can_no_longer_use_the_api(org, api_client_for):
    rep_client = api_client_for(org["sales1"])
    assert rep_client.get("/api/v1/me/").status_code == 200
    response = api_client_for(org["admin"]).patch(f"/api/v1/users/{org['sales1'].pk}/", {"is_active": False},
                                                  format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert rep_client.get("/api/v1/me/").status_code == 401
    assert audit_rows(AuditEvent.Action.UPDATE, org["sales1"]) == 1


def test_users_are_not_deleted_through_the_api(org, api_client_for):
    response = api_client_for(org["admin"]).delete(f"/api/v1/users/{org['sales1'].pk}/")
    assert response.status_code == 405 and User.objects.filter(pk=org["sales1"].pk).exists()


def test_admin_resets_a_password_as_the_page_does(org, api_client_for, client_for):
    admin, rep = org["admin"], org["sales1"]
    admin_session = APIClient()
    admin_session.force_login(admin)
    response = admin_session.post(f"/api/v1/users/{rep.pk}/password/", {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204
    rep.refresh_from_db()
    assert rep.check_password(NEW_PASSWORD)
    assert audit_rows(AuditEvent.Action.PASSWORD_CHANGE, rep) == 1
    assert admin_session.get("/api/v1/me/").status_code == 200  # the admin's own session is untouched


@pytest.mark.parametrize("password", ["12345678", "abc", "password", ""])
def test_a_weak_reset_password_is_refused(org, api_client_for, password):
    rep = org["sales1"]
    response = api_client_for(org["admin"]).post(f"/api/v1/users/{rep.pk}/password/", {"password": password},
                                                 format="json")
    assert response.status_code == 400 and "password" in error_fields(response)
    rep.refresh_from_db()
    assert rep.check_password(DEMO_PASSWORD)


def test_reset_of_a_missing_user_is_a_404(org, api_client_for):
    response = api_client_for(org["admin"]).post("/api/v1/users/999999/password/", {"password": NEW_PASSWORD},
                                                 format="json")
    assert response.status_code == 404


def test_the_user_list_costs_the_same_queries_for_more_users(org, api_client_for):
    client = api_client_for(org["admin"])
    client.get("/api/v1/users/")  # warm caches (content types, token)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/users/").status_code == 200
        return len(queries)

    before = count()
    rep_role, sales1 = Role.objects.get(code="sales_rep"), Department.objects.get(code="sales1")
    for n in range(10):
        user = User.objects.create_user(username=f"extra{n}", name=f"新人{n}", department=sales1,
                                        manager=org["manager"])
        user.roles.add(rep_role)
    assert count() == before


# --- Departments ------------------------------------------------------------------------------------------

def test_departments_come_as_a_tree(org, api_client_for):
    rows = {row["name"]: row for row in api_client_for(org["admin"]).get("/api/v1/departments/").json()["results"]}
    sales, sales1, sales2 = (Department.objects.get(code=c) for c in ("sales", "sales1", "sales2"))
    assert rows["销售部"]["depth"] == 0 and rows["销售部"]["parent"] is None
    assert sorted(rows["销售部"]["children"]) == sorted([sales1.pk, sales2.pk])
    assert (rows["销售一部"]["parent"], rows["销售一部"]["depth"]) == (sales.pk, 1)
    assert rows["销售一部"]["path"] == "销售部 › 销售一部" and rows["销售一部"]["member_count"] == 1
    assert rows["销售部"]["head_name"] == "王经理"


def test_the_department_list_reads_the_tree_once(org, api_client_for):
    client = api_client_for(org["admin"])
    client.get("/api/v1/departments/")

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get("/api/v1/departments/")
        return len(queries)

    before = count()
    parent = Department.objects.get(code="sales1")
    for n in range(5):
        parent = Department.objects.create(name=f"小组{n}", parent=parent)
    assert count() == before


def test_admin_creates_moves_and_deletes_a_department_with_audit(org, api_client_for):
    client = api_client_for(org["admin"])
    sales, gm = Department.objects.get(code="sales"), Department.objects.get(code="gm")
    response = client.post("/api/v1/departments/", {"name": "销售三部", "code": "sales3", "parent": sales.pk,
                                                    "head": org["manager"].pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["path"] == "销售部 › 销售三部" and response.json()["depth"] == 1
    department = Department.objects.get(code="sales3")
    response = client.patch(f"/api/v1/departments/{department.pk}/", {"parent": gm.pk}, format="json")
    assert response.status_code == 200 and response.json()["path"] == "总经办 › 销售三部"
    assert client.delete(f"/api/v1/departments/{department.pk}/").status_code == 204
    assert not Department.objects.filter(pk=department.pk).exists()
    for action in (AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE):
        assert AuditEvent.objects.filter(action=action, object_id=str(department.pk),
                                         content_type__model="department").count() == 1


def test_a_department_cannot_move_under_its_own_child(org, api_client_for):
    sales, sales1 = Department.objects.get(code="sales"), Department.objects.get(code="sales1")
    client = api_client_for(org["admin"])
    for parent in (sales1.pk, sales.pk):
        response = client.patch(f"/api/v1/departments/{sales.pk}/", {"parent": parent}, format="json")
        assert response.status_code == 400 and "parent" in error_fields(response)
    sales.refresh_from_db()
    assert sales.parent is None


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": ""}, "name"),
    ({"name": "销售一部"}, "name"),  # a sibling of that name already exists under 销售部
    ({"code": "sales1"}, "code"),
    ({"parent": 999999}, "parent"),
    ({"head": 999999}, "head"),
    ({"sort_order": -1}, "sort_order"),
])
def test_department_creation_refuses_bad_fields_by_name(org, api_client_for, payload, field):
    sales = Department.objects.get(code="sales")
    count = Department.objects.count()
    response = api_client_for(org["admin"]).post("/api/v1/departments/",
                                                 {"name": "销售九部", "parent": sales.pk, **payload}, format="json")
    assert response.status_code == 400 and field in error_fields(response), response.content
    assert Department.objects.count() == count


def test_the_same_name_is_fine_elsewhere_in_the_tree(org, api_client_for):
    response = api_client_for(org["admin"]).post("/api/v1/departments/", {"name": "销售一部"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("code", ["sales1", "sales"])
def test_a_department_in_use_is_not_deleted_and_says_why(org, api_client_for, code):
    department = Department.objects.get(code=code)
    response = api_client_for(org["admin"]).delete(f"/api/v1/departments/{department.pk}/")
    assert response.status_code == 400
    # In the product's default language (these callers chose none).
    assert response.json()["error"]["message"] == {"sales1": "请先把该部门的成员调到其他部门。",
                                                   "sales": "请先移走或删除其下级部门。"}[code]
    assert Department.objects.filter(pk=department.pk).exists()
    assert audit_rows(AuditEvent.Action.DELETE, department) == 0


def test_a_department_that_still_holds_records_is_not_deleted(org, api_client_for):
    from crm.customers.services import create_customer

    rep, sales2 = org["sales1"], Department.objects.get(code="sales2")
    create_customer(actor=rep, data={"name": "华为技术有限公司"})
    old = Department.objects.get(code="sales1")
    services.update_user(actor=org["admin"], user=rep, data={"department": sales2})
    assert Customer.objects.filter(department=old).exists() and not old.members.exists()
    response = api_client_for(org["admin"]).delete(f"/api/v1/departments/{old.pk}/")
    assert response.status_code == 400 and response.json()["error"]["message"] == "仍有业务数据属于该部门，请先转移。"
    assert Department.objects.filter(pk=old.pk).exists()


# --- Roles ------------------------------------------------------------------------------------------------

def test_roles_show_scope_permissions_field_rules_and_holders(org, api_client_for):
    rows = {row["code"]: row for row in api_client_for(org["admin"]).get("/api/v1/roles/").json()["results"]}
    marketing = rows["marketing"]
    assert marketing["data_scope"] == "department"
    assert "customers.view" in marketing["permissions"] and "customers.delete" not in marketing["permissions"]
    assert marketing["denied_read_fields"] == ["customers.customer.phone", "customers.customer.email"]
    assert marketing["users"] == [org["marketing1"].pk] and marketing["user_count"] == 1
    assert sorted(rows["sales_rep"]["users"]) == sorted([org["sales1"].pk, org["sales2"].pk])
    assert "pool_claim_limit" not in marketing
    # Settings modules registered are answered with every code, the role's value or the default.
    assert all(row["settings"] == {"customers.pool_claim_limit": None, "testing_app.max_budget": None}
               for row in rows.values())


def test_role_settings_are_written_through_the_api_with_the_settings_own_rules(org, api_client_for):
    client = api_client_for(org["admin"])
    role = Role.objects.get(code="sales_rep")
    answer = client.patch(f"/api/v1/roles/{role.pk}/", {"settings": {"customers.pool_claim_limit": 7}}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["settings"]["customers.pool_claim_limit"] == 7
    assert org["sales1"].__class__.objects.get(pk=org["sales1"].pk).role_setting("customers.pool_claim_limit") == 7
    assert AuditEvent.objects.filter(action="update", object_id=str(role.pk)).exists()
    for bad in ({"customers.pool_claim_limit": -1}, {"no.such.setting": 1}, {"customers.pool_claim_limit": "x"}):
        refused = client.patch(f"/api/v1/roles/{role.pk}/", {"settings": bad}, format="json")
        assert refused.status_code == 400, (bad, refused.content)
        assert "settings" in refused.json()["error"]["fields"]
    role.refresh_from_db()
    assert role.settings["customers.pool_claim_limit"] == 7


def test_the_catalogue_lists_what_modules_registered(org, api_client_for):
    body = api_client_for(org["admin"]).get("/api/v1/roles/catalogue/").json()
    modules = {module["code"]: module for module in body["modules"]}
    customers = modules["customers"]
    assert {"code": "customers.unmask", "label": "查看敏感信息"} in customers["permissions"]
    assert "customers.customer.phone" in {item["code"] for item in customers["protected_fields"]}
    assert [item["code"] for item in modules["system"]["permissions"]] == [
        "system.view", "system.create", "system.edit", "system.delete"]
    assert {scope["code"] for scope in body["data_scopes"]} == {"own", "subordinates", "department",
                                                                "department_tree", "all"}


def test_admin_creates_and_edits_a_role_with_audit_and_it_takes_effect(org, api_client_for):
    client = api_client_for(org["admin"])
    response = client.post("/api/v1/roles/", {
        "name": "区域经理", "code": "area", "data_scope": "department_tree",
        "permissions": ["customers.view", "customers.edit", "customers.view"],
        "denied_read_fields": ["customers.customer.phone"],
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["permissions"] == ["customers.view", "customers.edit"]
    role = Role.objects.get(code="area")
    assert audit_rows(AuditEvent.Action.CREATE, role) == 1

    response = client.patch(f"/api/v1/users/{org['sales2'].pk}/", {"roles": [role.pk]}, format="json")
    assert response.status_code == 200
    assert User.objects.get(pk=org["sales2"].pk).effective_data_scope == "department_tree"

    response = client.patch(f"/api/v1/roles/{role.pk}/", {"data_scope": "all", "denied_edit_fields": [
        "customers.customer.remark"]}, format="json")
    assert response.status_code == 200 and response.json()["users"] == [org["sales2"].pk]
    event = AuditEvent.objects.filter(action="update", object_id=str(role.pk)).latest("id")
    assert event.changes["data_scope"] == ["department_tree", "all"]
    assert event.changes["denied_edit_fields"] == [[], ["customers.customer.remark"]]
    assert User.objects.get(pk=org["sales2"].pk).effective_data_scope == "all"


@pytest.mark.parametrize(("payload", "field"), [
    ({"permissions": ["customers.view", "nope.nope"]}, "permissions"),
    ({"permissions": ["customers.fly"]}, "permissions"),
    ({"permissions": "customers.view"}, "permissions"),
    ({"denied_read_fields": ["customers.customer.name_key"]}, "denied_read_fields"),
    ({"denied_edit_fields": ["accounts.user.password"]}, "denied_edit_fields"),
    ({"data_scope": "galaxy"}, "data_scope"),
    ({"code": "not a slug"}, "code"),
    ({"code": "sales_rep"}, "code"),
    ({"name": "销售代表"}, "name"),
])
def test_role_creation_refuses_bad_fields_by_name(org, api_client_for, payload, field):
    count = Role.objects.count()
    response = api_client_for(org["admin"]).post("/api/v1/roles/", {"name": "新角色", "code": "fresh", **payload},
                                                 format="json")
    assert response.status_code == 400 and field in error_fields(response), response.content
    assert Role.objects.count() == count


def test_an_unknown_permission_is_named_in_the_message(org, api_client_for):
    response = api_client_for(org["admin"]).post(
        "/api/v1/roles/", {"name": "新角色", "code": "fresh", "permissions": ["nope.nope"]}, format="json")
    assert error_fields(response)["permissions"] == ["未知的权限：nope.nope。"]


def test_a_role_in_use_is_not_deleted_and_an_unused_one_is(org, api_client_for):
    client = api_client_for(org["admin"])
    used = Role.objects.get(code="sales_rep")
    response = client.delete(f"/api/v1/roles/{used.pk}/")
    assert response.status_code == 400 and response.json()["error"]["message"] == "仍有用户持有该角色，请先解除。"
    assert Role.objects.filter(pk=used.pk).exists()
    unused = Role.objects.create(name="临时", code="temp")
    assert client.delete(f"/api/v1/roles/{unused.pk}/").status_code == 204
    assert not Role.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(unused.pk), content_type__model="role").exists()


def test_the_role_list_costs_the_same_queries_for_more_holders(org, api_client_for):
    client = api_client_for(org["admin"])
    client.get("/api/v1/roles/")

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get("/api/v1/roles/")
        return len(queries)

    before = count()
    for n in range(5):
        Role.objects.create(name=f"角色{n}", code=f"role{n}").users.add(org["sales1"])
    assert count() == before


# --- One's own profile ------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["admin", "manager", "sales1", "marketing1"])
def test_everyone_reads_their_own_profile(org, api_client_for, persona):
    body = api_client_for(org[persona]).get("/api/v1/me/").json()
    assert body["username"] == persona and body["id"] == org[persona].pk
    assert ("customers.view" in body["permissions"]) and ("system.view" in body["permissions"]) == (
        persona == "admin")


def test_the_profile_tells_a_rep_their_scope_and_department(org, api_client_for):
    body = api_client_for(org["sales1"]).get("/api/v1/me/").json()
    assert body["data_scope"] == "own" and body["department_path"] == "销售部 › 销售一部"
    assert body["manager_name"] == "王经理" and body["role_names"] == ["销售代表"]


def test_a_rep_changes_their_own_name_and_language_with_audit(org, api_client_for):
    rep = org["sales1"]
    client = api_client_for(rep)
    response = client.patch("/api/v1/me/", {"name": "张伟伟", "language": "en", "email": "zw@example.cn"},
                            format="json")
    assert response.status_code == 200 and response.json()["name"] == "张伟伟"
    rep.refresh_from_db()
    assert (rep.name, rep.language, rep.email) == ("张伟伟", "en", "zw@example.cn")
    event = AuditEvent.objects.filter(action="update", object_id=str(rep.pk)).latest("id")
    assert event.changes["name"] == ["张伟", "张伟伟"] and event.actor == rep
    # The new language applies to the next answer.
    response = client.patch("/api/v1/me/", {"email": "nope"}, HTTP_ACCEPT_LANGUAGE="zh-hans", format="json")
    assert "Enter a valid email address." in error_fields(response)["email"]


@pytest.mark.parametrize("payload", [{"department": 1}, {"roles": [1]}, {"username": "boss"}, {"position": "CEO"},
                                     {"is_superuser": True}, {"manager": None}])
def test_a_rep_cannot_change_what_the_profile_page_does_not_offer(org, api_client_for, payload):
    rep = org["sales1"]
    before = (rep.department_id, rep.username, rep.position, rep.is_superuser, rep.manager_id,
              list(rep.roles.values_list("pk", flat=True)))
    response = api_client_for(rep).patch("/api/v1/me/", payload, format="json")
    field = next(iter(payload))
    assert response.status_code == 400 and error_fields(response)[field] == ["你无权修改此字段。"]
    rep = User.objects.get(pk=rep.pk)
    assert before == (rep.department_id, rep.username, rep.position, rep.is_superuser, rep.manager_id,
                      list(rep.roles.values_list("pk", flat=True)))


def test_the_profile_is_only_read_and_patched(org, api_client_for):
    client = api_client_for(org["sales1"])
    assert client.put("/api/v1/me/", {"name": "x"}, format="json").status_code == 405
    assert client.delete("/api/v1/me/").status_code == 405


# --- One's own password -----------------------------------------------------------------------------------

def test_changing_ones_password_keeps_this_session_but_ends_other_sessions_and_the_token(org, api_client_for):
    rep = org["sales1"]
    this_browser, other_browser = APIClient(), APIClient()
    for browser in (this_browser, other_browser):
        browser.force_login(rep)
    token_client = api_client_for(rep)
    response = this_browser.post("/api/v1/me/password/", {"old_password": DEMO_PASSWORD,
                                                          "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204
    assert this_browser.get("/api/v1/me/").status_code == 200
    assert token_client.get("/api/v1/me/").status_code == 401  # revoked with the old password (issue 8)
    assert other_browser.get("/api/v1/me/").status_code == 401  # signed out: the session hash no longer matches
    rep.refresh_from_db()
    assert rep.check_password(NEW_PASSWORD)
    assert audit_rows(AuditEvent.Action.PASSWORD_CHANGE, rep) == 1
    # Nobody else is touched.
    assert api_client_for(org["sales2"]).get("/api/v1/me/").status_code == 200


def test_a_token_caller_changes_their_password_and_signs_in_with_the_new_one(org, api_client_for):
    response = api_client_for(org["sales1"]).post(
        "/api/v1/me/password/", {"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204
    login = APIClient().post("/api/v1/auth/token/", {"username": "sales1", "password": NEW_PASSWORD}, format="json")
    assert login.status_code == 200
    old = APIClient().post("/api/v1/auth/token/", {"username": "sales1", "password": DEMO_PASSWORD}, format="json")
    assert old.status_code == 400


@pytest.mark.parametrize(("payload", "field"), [
    ({"old_password": "wrong", "new_password": NEW_PASSWORD}, "old_password"),
    ({"new_password": NEW_PASSWORD}, "old_password"),
    ({"old_password": DEMO_PASSWORD, "new_password": "12345678"}, "new_password"),
    ({"old_password": DEMO_PASSWORD, "new_password": "sales1@demo.crm.local"}, "new_password"),  # the e-mail
    ({"old_password": DEMO_PASSWORD}, "new_password"),
])
def test_a_bad_password_change_is_refused_by_field(org, api_client_for, payload, field):
    rep = org["sales1"]
    response = api_client_for(rep).post("/api/v1/me/password/", payload, format="json")
    assert response.status_code == 400 and field in error_fields(response)
    rep.refresh_from_db()
    assert rep.check_password(DEMO_PASSWORD)
    assert audit_rows(AuditEvent.Action.PASSWORD_CHANGE, rep) == 0


def test_a_wrong_old_password_is_told_in_chinese_to_a_chinese_user(org, api_client_for):
    rep = org["sales1"]
    rep.language = "zh-hans"
    rep.save(update_fields=["language"])
    response = api_client_for(rep).post("/api/v1/me/password/", {"old_password": "x", "new_password": NEW_PASSWORD},
                                        format="json")
    assert error_fields(response)["old_password"] == ["你的旧密码不正确，请重新输入。"]


# --- One's own API token ----------------------------------------------------------------------------------

def test_the_token_endpoint_audits_a_token_once_when_it_is_made(org):
    rep = org["sales1"]
    for _ in range(2):
        response = APIClient().post("/api/v1/auth/token/", {"username": "sales1", "password": DEMO_PASSWORD},
                                    format="json")
        assert response.status_code == 200
    assert AuditEvent.objects.filter(action="update", object_id=str(rep.pk), message="已创建 API 令牌").count() == 1


def test_the_token_state_shows_no_key(org, api_client_for):
    rep = org["sales1"]
    session = APIClient()
    session.force_login(rep)
    assert session.get("/api/v1/me/token/").json() == {"exists": False, "created": None, "key_hint": None,
                                                        "last_used": None}
    api_client_for(rep)  # asks for a token
    key = Token.objects.get(user=rep).key
    body = session.get("/api/v1/me/token/").json()
    assert body["exists"] is True and body["key_hint"] == key[:4] and key not in str(body)


def test_regenerating_the_token_needs_the_password_and_retires_the_old_key(org, api_client_for):
    rep = org["sales1"]
    old_client = api_client_for(rep)
    old_key = Token.objects.get(user=rep).key
    for payload in ({}, {"password": "wrong"}):
        response = old_client.post("/api/v1/me/token/", payload, format="json")
        assert response.status_code == 400 and "password" in error_fields(response)
    assert Token.objects.get(user=rep).key == old_key

    response = old_client.post("/api/v1/me/token/", {"password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 201
    new_key = response.json()["token"]
    assert new_key != old_key
    assert old_client.get("/api/v1/me/").status_code == 401
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert new_client.get("/api/v1/me/").json()["username"] == "sales1"
    assert AuditEvent.objects.filter(object_id=str(rep.pk), message="已更换 API 令牌").count() == 1


def test_revoking_the_token_ends_it_and_a_second_revoke_changes_nothing(org, api_client_for):
    rep = org["sales1"]
    client = api_client_for(rep)
    key = Token.objects.get(user=rep).key
    session = APIClient()
    session.force_login(rep)
    assert session.delete("/api/v1/me/token/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(key=key).exists()
    assert session.delete("/api/v1/me/token/").status_code == 204
    assert AuditEvent.objects.filter(object_id=str(rep.pk), message="已吊销 API 令牌").count() == 1
    # A new one can be had with the password, from the token endpoint as before.
    response = APIClient().post("/api/v1/auth/token/", {"username": "sales1", "password": DEMO_PASSWORD},
                                format="json")
    assert response.status_code == 200 and response.json()["token"] != key


def test_one_users_token_actions_leave_others_alone(org, api_client_for):
    other = api_client_for(org["sales2"])
    session = APIClient()
    session.force_login(org["sales1"])
    session.delete("/api/v1/me/token/")
    assert other.get("/api/v1/me/").status_code == 200


# --- Documented ---------------------------------------------------------------------------------------------

def test_the_schema_documents_every_accounts_endpoint(org, api_client_for):
    import json

    schema = json.loads(api_client_for(org["sales1"]).get("/api/v1/schema/", HTTP_ACCEPT="application/json").content)
    for path in ["/api/v1/users/", "/api/v1/users/{id}/", "/api/v1/users/{id}/password/", "/api/v1/departments/",
                 "/api/v1/departments/{id}/", "/api/v1/roles/", "/api/v1/roles/{id}/", "/api/v1/roles/catalogue/",
                 "/api/v1/me/", "/api/v1/me/password/", "/api/v1/me/token/"]:
        assert path in schema["paths"], path
    assert "password" not in schema["components"]["schemas"]["User"]["properties"]


def test_the_user_list_page_filters_through_the_same_filterset(org, client_for):
    response = client_for(org["admin"]).get(reverse("accounts:user_list"), {"active": "1", "q": "张伟"})
    assert [u.username for u in response.context["object_list"]] == ["sales1"]
