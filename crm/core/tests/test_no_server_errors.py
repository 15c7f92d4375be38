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


@pytest.mark.parametrize("persona", ["admin", "sales1"])
def test_options_describes_every_endpoint_without_a_5xx(org, api_client_for, persona):
    """OPTIONS asks a view to describe its write form (DRF's metadata builds the serializer and, for PUT, loads
    the record): every path answers it, with or without a body, for a record that exists or not."""
    client = api_client_for(org[persona])
    paths = {path for path, _method in schema_operations(client)}
    failures = []
    for path in sorted(paths):
        for url in [fill(path, value) for value in ("1", *NASTY_IDS)] if "{" in path else [path]:
            for kwargs in ({}, dict(data=json.dumps({"new_days": 0, "name": "x"}), content_type="application/json")):
                response = client.options(url, **kwargs)
                if response.status_code >= 500:
                    failures.append((url, bool(kwargs), response.status_code))
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


# Unicode digits pass str.isdigit() and break int(); a 65-bit id overflows the driver; an impossible day or one
# that leaves the calendar in UTC broke date parsing. Each was a 500 somewhere (issue 8, §3).
ODD_NUMBERS = ["²²²²", "99999999999999999999", "2024-13-45T00:00:00", "0001-01-01", "0001-01-01T00:00:00+08:00"]
QUERY_NAMES = ["view", "limit", "ids", "owner", "department", "year", "page", "after", "before", "contact",
               "survivor", "role", "stage", "plan", "actor", "content_type", "customer", "merged", "tag", "q",
               "date_from", "date_to", "created_after", "created_before", "last_follow_up_after",
               "no_follow_up_since", "occasion_date_after", "occasion_date_before", "sort", "col", "format",
               "entity", "kind", "action", "reason", "days", "warn_days", "occurred_at", "next_follow_up_at",
               "birthday", "first_order_at", "last_order_at", "date", "name", "tags"]

ISSUE_DOORS = ["/customers/?view=²", "/customers/?limit=²", "/customers/?owner=²", "/customers/?department=²",
               "/system/holidays/?year=²²²²", "/care/days/?year=²²²²", "/api/v1/search/?q=x&limit=²",
               "/customers/duplicates/merge/?ids=²&ids=1", "/api/v1/customers/duplicates/?limit=²",
               "/api/v1/holidays/?date__year=0&page=0&page_size=0", "/api/v1/holidays/?date__year=²²²²",
               "/api/v1/activities/?occurred_at__gte=0001-01-01T00:00:00",
               "/api/v1/customers/?created_after=0001-01-01", "/customers/?created_after=0001-01-01"]


def html_routes():
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    for route in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "django-admin/")) or "logout" in route:
            continue
        yield "/" + route


@pytest.mark.parametrize("persona", ["admin", "sales1"])
def test_the_doors_the_issue_named_refuse_odd_numbers_without_a_500(org, persona):
    client = Client()
    client.force_login(org[persona])
    assert [(url, code) for url in ISSUE_DOORS if (code := client.get(url).status_code) >= 500] == []


@pytest.mark.parametrize("persona", ["admin", "sales1"])
def test_no_page_answers_5xx_to_unicode_digits_huge_ids_or_impossible_dates(org, persona):
    from crm.customers.services import create_customer
    from crm.customers.services.pool import release_to_pool

    customer = create_customer(actor=org[persona], data={"name": "边界客户"})
    # The pool's pages answer for pool customers only: they get one of their own, which no POST claims away.
    in_pool = create_customer(actor=org[persona], data={"name": "公海客户"})
    release_to_pool(actor=org[persona], customer=in_pool, reason="边界测试")
    client = Client()
    failures = []
    for route in html_routes():
        pool_page = route.startswith("/customers/pool/<")
        url = re.sub(r"<(?:int:|str:)?[^>]+>", str((in_pool if pool_page else customer).pk), route)
        for value in ODD_NUMBERS:
            client.force_login(org[persona])
            query = {name: value for name in QUERY_NAMES}
            if (code := client.get(url, query).status_code) >= 500:
                failures.append(("GET", url, value, code))
            if pool_page and url.endswith(("/claim/", "/assign/")):
                continue
            if (code := client.post(url, query).status_code) >= 500:
                failures.append(("POST", url, value, code))
    assert failures == []
