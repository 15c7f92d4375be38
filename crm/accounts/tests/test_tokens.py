"""API tokens: a new password ends the old token on every door; one's own token is listed and revoked in the
profile, page and API, with its age and last use."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.accounts.models import ApiTokenUse
from crm.audit.models import AuditEvent
from tests_support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lantern-river-2027"


def token_of(username: str, password: str = DEMO_PASSWORD) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def change_own_password_on_the_page(org):
    client = Client()
    client.force_login(org["sales1"])
    response = client.post("/account/password/", {"old_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD,
                                                  "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content


def change_own_password_by_api(org):
    client = APIClient()
    client.force_login(org["sales1"])
    response = client.post("/api/v1/me/password/", {"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD},
                           format="json")
    assert response.status_code == 204, response.content


def admin_resets_on_the_page(org):
    client = Client()
    client.force_login(org["admin"])
    response = client.post(f"/system/users/{org['sales1'].pk}/password/",
                           {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content


def admin_resets_by_api(org):
    response = token_client(token_of("admin")).post(f"/api/v1/users/{org['sales1'].pk}/password/",
                                                    {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204, response.content


@pytest.mark.parametrize("change_password", [change_own_password_on_the_page, change_own_password_by_api,
                                             admin_resets_on_the_page, admin_resets_by_api])
def test_a_new_password_revokes_the_old_token_on_every_door(org, change_password):
    old_key = token_of("sales1")
    assert token_client(old_key).get("/api/v1/me/").status_code == 200

    change_password(org)

    assert token_client(old_key).get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(key=old_key).exists()
    # The token endpoint hands out a new key for the new password, not the old one again.
    new_key = token_of("sales1", NEW_PASSWORD)
    assert new_key != old_key
    assert token_client(new_key).get("/api/v1/me/").json()["username"] == "sales1"
    assert AuditEvent.objects.filter(object_id=str(org["sales1"].pk), action="password_change").count() == 1
    assert AuditEvent.objects.filter(object_id=str(org["sales1"].pk), message="已吊销 API 令牌").count() == 1


def test_a_password_change_leaves_other_users_tokens_alone(org):
    other_key = token_of("sales2")
    token_of("sales1")
    admin_resets_on_the_page(org)
    assert token_client(other_key).get("/api/v1/me/").status_code == 200


def test_the_profile_page_lists_the_token_with_its_age_and_last_use_without_the_key(org):
    client = Client()
    client.force_login(org["sales1"])
    page = client.get("/account/profile/").content.decode()
    assert 'id="no-token"' in page and 'id="token-list"' not in page

    key = token_of("sales1")
    page = client.get("/account/profile/").content.decode()
    assert 'id="token-list"' in page and f"{key[:4]}…" in page and key not in page
    assert "从未" in page  # last used: never (obtaining a token is not using it)

    cache.clear()
    token_client(key).get("/api/v1/me/")
    page = client.get("/account/profile/").content.decode()
    assert "从未" not in page
    assert ApiTokenUse.objects.filter(token_id=key).exists()


def test_revoking_on_the_profile_page_ends_the_token(org):
    key = token_of("sales1")
    client = Client()
    client.force_login(org["sales1"])
    response = client.post("/account/token/revoke/", follow=True)
    assert response.status_code == 200
    assert "已吊销" in response.content.decode()
    assert token_client(key).get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=org["sales1"]).exists()
    assert AuditEvent.objects.filter(object_id=str(org["sales1"].pk), message="已吊销 API 令牌").count() == 1


def test_creating_a_token_on_the_profile_page_needs_the_password_and_shows_the_key_once(org):
    client = Client()
    client.force_login(org["sales1"])
    response = client.post("/account/token/", {"password": "wrong"})
    assert response.status_code == 200 and "密码错误" in response.content.decode()
    assert not Token.objects.filter(user=org["sales1"]).exists()

    old_key = token_of("sales1")
    response = client.post("/account/token/", {"password": DEMO_PASSWORD})
    assert response["Cache-Control"] == "no-store"
    new_key = Token.objects.get(user=org["sales1"]).key
    assert new_key != old_key and new_key in response.content.decode()
    assert token_client(old_key).get("/api/v1/me/").status_code == 401
    assert token_client(new_key).get("/api/v1/me/").status_code == 200
    # Shown once: the profile page afterwards has only the first characters.
    page = client.get("/account/profile/").content.decode()
    assert new_key not in page and f"{new_key[:4]}…" in page


def test_the_token_pages_need_a_signed_in_user_and_post(org):
    client = Client()
    for url in ("/account/token/", "/account/token/revoke/"):
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(org["sales1"])
    assert client.get("/account/token/revoke/").status_code == 405


def test_the_api_tells_when_the_token_was_last_used(org):
    key = token_of("sales1")
    session = APIClient()
    session.force_login(org["sales1"])
    assert session.get("/api/v1/me/token/").json()["last_used"] is None

    cache.clear()
    token_client(key).get("/api/v1/me/")
    first = session.get("/api/v1/me/token/").json()["last_used"]
    assert first is not None and re.match(r"\d{4}-\d\d-\d\dT", first)


def test_last_use_is_written_at_most_once_in_a_few_minutes(org, django_assert_max_num_queries):
    key = token_of("sales1")
    cache.clear()
    client = token_client(key)
    client.get("/api/v1/me/")
    marked = ApiTokenUse.objects.get(token_id=key).last_used_at
    ApiTokenUse.objects.filter(token_id=key).update(last_used_at=marked.replace(year=2020))
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
    # Still the value written by hand: no request wrote again within the resolution.
    assert ApiTokenUse.objects.get(token_id=key).last_used_at.year == 2020
