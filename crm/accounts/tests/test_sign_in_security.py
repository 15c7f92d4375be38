"""The admin's "sign-in security" widget: failed log-ins of the last day, the user names locked out now, and
unlocking one before its cool-off ends (audited, admins only)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crm.accounts.widgets import sign_in_security_widget
from crm.audit.models import AuditEvent
from tests_support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def fail_to_sign_in(username: str, times: int) -> None:
    client = Client()
    for _ in range(times):
        client.post(reverse("accounts:login"), {"username": username, "password": "wrong"})


def security_widget(client) -> str:
    return next(w.html for w in client.get("/").context["widgets"] if w.code == "accounts.sign_in_security")


def test_the_admin_sees_failed_log_ins_by_name_and_who_is_locked_out(client_for, org, settings):
    fail_to_sign_in("sales1", settings.AXES_FAILURE_LIMIT)
    fail_to_sign_in("nobody", 2)
    html = security_widget(client_for(org["admin"]))
    locked = html[html.index('id="locked-out-users"'):html.index('id="failed-by-name"')]
    assert "sales1" in locked and "nobody" not in locked
    assert sign_in_security_widget(org["admin"])["failed_total"] == settings.AXES_FAILURE_LIMIT + 2
    assert dict(sign_in_security_widget(org["admin"])["failed_by_name"]) == {"sales1": settings.AXES_FAILURE_LIMIT,
                                                                            "nobody": 2}


def test_unlocking_lets_the_user_sign_in_again_and_is_audited(client_for, org, settings):
    fail_to_sign_in("sales1", settings.AXES_FAILURE_LIMIT)
    locked_out = Client().post(reverse("accounts:login"), {"username": "sales1", "password": DEMO_PASSWORD})
    assert locked_out.status_code == 429

    response = client_for(org["admin"]).post(reverse("accounts:unlock_sign_in"), {"username": "sales1"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="sign_in_unlock", actor=org["admin"], message="sales1").exists()
    signed_in = Client().post(reverse("accounts:login"), {"username": "sales1", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302


def test_a_rep_or_manager_cannot_unlock_anyone(client_for, org, settings):
    fail_to_sign_in("sales2", settings.AXES_FAILURE_LIMIT)
    for user in (org["sales1"], org["manager"]):
        response = client_for(user).post(reverse("accounts:unlock_sign_in"), {"username": "sales2"})
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="sign_in_unlock").exists()
    assert "accounts.sign_in_security" not in {w.code for w in client_for(org["manager"]).get("/").context["widgets"]}


def test_unlocking_a_name_that_is_not_locked_changes_nothing(client_for, org):
    response = client_for(org["admin"]).post(reverse("accounts:unlock_sign_in"), {"username": "x" * 500})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="sign_in_unlock").exists()
