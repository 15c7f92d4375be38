"""The API platform: tokens, schema and docs, one error format, throttling, CSRF for session callers."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests_support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["admin", "manager", "sales1", "sales2", "marketing1", "support1"])
def test_every_demo_user_gets_a_token_that_works(org, username):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/search/", {"q": "x"}).status_code == 200


def test_a_wrong_password_gets_no_token(org):
    response = APIClient().post("/api/v1/auth/token/", {"username": "sales1", "password": "no"}, format="json")
    assert response.status_code == 400 and "token" not in response.json()
    assert response.json()["error"]["code"] == "invalid"


def test_no_credentials_answer_401_in_the_error_format(db):
    response = APIClient().get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_api_urls_answer_json_404(api_client_for, rep):
    response = api_client_for(rep).get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_malformed_json_is_a_400_not_a_500(api_client_for, rep):
    response = api_client_for(rep).post("/api/v1/customers/", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


def test_wrong_method_and_media_type(api_client_for, rep):
    client = api_client_for(rep)
    assert client.post("/api/v1/search/").json()["error"]["code"] == "method_not_allowed"
    response = client.post("/api/v1/customers/", data="name=x", content_type="text/csv")
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"


def test_session_callers_need_the_csrf_token(org):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(org["sales1"])
    response = client.post("/api/v1/customers/", {"name": "x"}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["error"]["message"]


def test_search_without_a_query_is_a_field_error(api_client_for, rep):
    response = api_client_for(rep).get("/api/v1/search/")
    assert response.status_code == 400 and "q" in response.json()["error"]["fields"]


def test_schema_is_yaml_by_default_and_json_on_request(api_client_for, rep):
    client = api_client_for(rep)
    assert b"openapi: 3" in client.get("/api/v1/schema/").content
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3") and "/api/v1/customers/" in schema["paths"]


def test_interactive_docs_load_nothing_from_the_internet(client_for, rep):
    html = client_for(rep).get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in html.lower()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_throttling_answers_429_with_retry_after(api_client_for, rep, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    try:
        client = api_client_for(rep)
        codes = [client.get("/api/v1/search/", {"q": "x"}).status_code for _ in range(4)]
        response = client.get("/api/v1/search/", {"q": "x"})
    finally:
        UserRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert codes[:3] == [200, 200, 200] and response.status_code == 429
    assert response.json()["error"]["code"] == "throttled" and response.json()["error"]["retry_after"] > 0


def test_answers_come_in_the_users_language(api_client_for, rep):
    rep.language = "en"
    rep.save()
    english = api_client_for(rep).get("/api/v1/search/").json()["error"]["fields"]["q"][0]
    rep.language = "zh-hans"
    rep.save()
    chinese = api_client_for(rep).get("/api/v1/search/").json()["error"]["fields"]["q"][0]
    assert english == "Enter something to search for." and chinese != english
