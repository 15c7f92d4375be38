"""Signing in and out, lockout, password change and the admin pages for departments, roles and users."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.accounts.models import Department, Role, User
from crm.audit.models import AuditEvent
from tests_support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_and_logout_are_audited(client, rep):
    response = client.post(reverse("accounts:login"), {"username": "sales1", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    actions = list(AuditEvent.objects.filter(actor=rep).values_list("action", flat=True))
    assert AuditEvent.Action.LOGIN in actions and AuditEvent.Action.LOGOUT in actions


def test_wrong_password_shows_a_message_and_is_audited(client, rep):
    response = client.post(reverse("accounts:login"), {"username": "sales1", "password": "wrong"})
    assert response.status_code == 200
    assert b'id="login-error"' in response.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, actor_name="sales1").exists()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "sales1", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "sales1", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert b'id="locked-out"' in response.content
    assert "_auth_user_id" not in client.session


def test_token_endpoint_is_locked_out_too(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "sales1", "password": "wrong"})
    response = client.post("/api/v1/auth/token/", {"username": "sales1", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"


def test_production_settings_hash_passwords_with_argon2_and_expire_sessions():
    from crm import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert 0 < production.SESSION_COOKIE_AGE <= 24 * 3600


def test_an_expired_session_sends_the_user_back_to_login(client, rep):
    client.force_login(rep)
    client.session.set_expiry(-1)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_password_change_keeps_the_user_signed_in_and_is_audited(client_for, rep):
    client = client_for(rep)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "Qwe!rty-2026x", "new_password2": "Qwe!rty-2026x"},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("Qwe!rty-2026x")
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGE, object_id=str(rep.pk)).exists()


def test_profile_language_applies_at_once(client_for, rep):
    client = client_for(rep)
    client.post(reverse("accounts:profile"), {"name": rep.name, "phone": "", "email": "", "language": "en"})
    assert b'<html lang="en">' in client.get(reverse("home")).content


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts:user_list",
        "accounts:department_list",
        "accounts:role_list",
        "accounts:user_create",
        "accounts:role_create",
    ],
)
def test_reps_cannot_open_admin_pages(client_for, rep, url_name):
    assert client_for(rep).get(reverse(url_name)).status_code == 403


def test_admin_creates_a_department_a_role_and_a_user_who_then_signs_in(client_for, admin_user, client):
    admin = client_for(admin_user)
    sales = Department.objects.get(code="sales")
    response = admin.post(
        reverse("accounts:department_create"),
        {"name": "销售三部", "code": "sales3", "parent": sales.pk, "sort_order": 5, "is_active": "on"},
    )
    assert response.status_code == 302
    department = Department.objects.get(code="sales3")
    assert department.parent == sales

    response = admin.post(
        reverse("accounts:role_create"),
        {
            "name": "区域经理",
            "code": "area",
            "data_scope": "department_tree",
            "permissions": ["customers.view", "customers.edit"],
            "denied_read_fields": ["customers.customer.phone"],
        },
    )
    assert response.status_code == 302
    role = Role.objects.get(code="area")
    assert role.permissions == ["customers.view", "customers.edit"]

    response = admin.post(
        reverse("accounts:user_create"),
        {
            "username": "zhao",
            "name": "赵敏",
            "department": department.pk,
            "roles": [role.pk],
            "is_active": "on",
            "password1": "Secret-pass-2026",
            "password2": "Secret-pass-2026",
            "language": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhao")
    assert user.effective_data_scope == "department_tree" and user.department == department
    assert AuditEvent.objects.filter(action="create", object_repr="赵敏").exists()

    client.logout()
    assert (
        client.post(reverse("accounts:login"), {"username": "zhao", "password": "Secret-pass-2026"}).status_code == 302
    )


def test_a_department_cannot_move_under_its_own_child(client_for, admin_user):
    sales, sales1 = Department.objects.get(code="sales"), Department.objects.get(code="sales1")
    response = client_for(admin_user).post(
        reverse("accounts:department_edit", args=[sales.pk]),
        {"name": sales.name, "code": "sales", "parent": sales1.pk, "sort_order": 1, "is_active": "on"},
    )
    assert response.status_code == 200
    sales.refresh_from_db()
    assert sales.parent is None


def test_a_department_with_members_is_not_deleted(client_for, admin_user):
    sales1 = Department.objects.get(code="sales1")
    client_for(admin_user).post(reverse("accounts:department_delete", args=[sales1.pk]))
    assert Department.objects.filter(pk=sales1.pk).exists()


def test_a_role_change_is_audited_field_by_field(client_for, admin_user):
    role = Role.objects.get(code="sales_rep")
    client_for(admin_user).post(
        reverse("accounts:role_edit", args=[role.pk]),
        {"name": role.name, "code": role.code, "data_scope": "department", "permissions": role.permissions},
    )
    event = AuditEvent.objects.filter(action="update", object_id=str(role.pk)).latest("id")
    assert event.changes["data_scope"] == ["own", "department"]


@pytest.mark.parametrize("url_name", ["accounts:user_list", "accounts:department_list", "accounts:role_list"])
def test_admin_list_pages_cost_the_same_queries_for_more_rows(client_for, admin_user, url_name):
    client = client_for(admin_user)
    client.get(reverse(url_name))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        return len(queries)

    before = count()
    rep_role, sales1 = Role.objects.get(code="sales_rep"), Department.objects.get(code="sales1")
    for n in range(5):
        department = Department.objects.create(name=f"小组{n}", parent=sales1, head=admin_user)
        user = User.objects.create_user(username=f"extra{n}", name=f"新人{n}", department=department)
        user.roles.add(rep_role, Role.objects.create(name=f"角色{n}", code=f"role{n}"))
    assert count() == before


def _session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_reading_pages_does_not_write_the_session_each_time(client, rep):
    client.force_login(rep)
    client.get(reverse("customers:list"))  # the first page view stamps the session
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(reverse("customers:list")).status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert writes == []


def test_an_active_session_is_extended_and_an_idle_one_ends(client, rep, settings):
    client.force_login(rep)
    row = _session_row(client)
    row.expire_date -= datetime.timedelta(hours=7)  # as if the sign-in was seven hours ago
    row.save()
    settings.CRM_SESSION_REFRESH_SECONDS = 0  # every page view extends it
    assert client.get(reverse("customers:list")).status_code == 200
    assert _session_row(client).expire_date > timezone.now() + datetime.timedelta(hours=7)


def test_a_call_carrying_an_ended_sessions_cookie_starts_no_session(client, rep, api_client_for):
    """A script with a token and an old browser cookie: the session the cookie names is gone, and no request
    may write a new (empty) session row in its place."""
    client.force_login(rep)
    cookie = client.cookies["sessionid"].value
    Session.objects.all().delete()  # the session ended (signed out elsewhere, cleared, expired)
    api = api_client_for(rep)
    api.cookies["sessionid"] = cookie
    for _ in range(3):
        assert api.get("/api/v1/customers/").status_code == 200
        assert api.get("/healthz").status_code in (200, 301, 404)
    assert Session.objects.count() == 0
