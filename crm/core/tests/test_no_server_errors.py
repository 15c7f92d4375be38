"""No input, however malformed, makes any endpoint answer 5xx. Endpoints come from the OpenAPI schema, so
every endpoint a module adds is covered without editing this file."""

import json
import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

NASTY_IDS = ["0", "-1", "abc", "99999999999999999999", "1.5", "%00", "' OR 1=1 --"]
NASTY_VALUES = ["", "x" * 5000, None, -1, 10**30, [], {}, "😀张三\u0000", "2026-13-45", True]
NASTY_QUERIES = {"page": "99999", "page_size": "-5", "ordering": "password", "search": "x" * 2000,
                 "owner": "abc", "limit": "NaN", "q": "%_\\'"}


def schema_operations(client):
    schema = json.loads(client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content)
    for path, methods in schema["paths"].items():
        for method in methods:
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method


def fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def body_fields(client, path) -> list[str]:
    schema = json.loads(client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content)
    fields = set()
    for component in schema.get("components", {}).get("schemas", {}).values():
        fields.update(component.get("properties", {}))
    return sorted(fields)


@pytest.mark.parametrize("persona", ["admin", "sales1", "marketing1"])
def test_no_api_endpoint_answers_5xx_to_malformed_input(org, api_client_for, persona):
    user = org[persona]
    client = api_client_for(user)
    fields = body_fields(client, "")
    failures = []
    for path, method in schema_operations(client):
        call = getattr(client, method)
        targets = [fill(path, value) for value in NASTY_IDS] if "{" in path else [path]
        for url in targets:
            attempts = [dict(data=NASTY_QUERIES)] if method == "get" else [
                dict(data="{broken", content_type="application/json"),
                dict(data=json.dumps([1, 2]), content_type="application/json"),
                *(dict(data={field: value for field in fields}, format="json") for value in NASTY_VALUES),
            ]
            for kwargs in attempts:
                # DELETE /api/v1/me/token/ revokes the caller's token: sign in afresh so the sweep goes on.
                client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
                response = call(url, **kwargs)
                if response.status_code >= 500:
                    failures.append((method, url, str(kwargs)[:80], response.status_code))
    assert failures == []


HTML_URLS = ["/", "/customers/", "/customers/0/", "/customers/abc/", "/customers/99999999999999999999/",
             "/customers/?page=abc&owner=x&kind=%00&sort=password", "/search/?q=%00", "/search/?q=" + "x" * 3000,
             "/notifications/?page=-1", "/system/users/?department=abc&role=-1&active=2&page=999",
             "/system/departments/999999/", "/system/roles/abc/", "/audit/?actor=abc&date_from=2026-99-99"]


@pytest.mark.parametrize("persona", ["admin", "sales1"])
def test_no_page_answers_5xx_to_malformed_urls(org, persona):
    client = Client()
    client.force_login(org[persona])
    failures = [(url, code) for url in HTML_URLS if (code := client.get(url).status_code) >= 500]
    for url in ("/customers/new/", "/system/users/new/", "/system/roles/new/", "/account/profile/"):
        code = client.post(url, {"name": "\u0000" * 3, "owner": "abc", "permissions": ["nope.nope"],
                                 "data_scope": "x", "language": "xx", "parent": "-1"}).status_code
        if code >= 500:
            failures.append((url, code))
    assert failures == []
