"""Content-Security-Policy: every page allows only this site's own files — no inline script or style, no eval,
no CDN — and no template needs more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

import crm

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(p for p in Path(crm.__file__).parent.rglob("templates/**/*.html"))
# What a CSP of 'self' refuses in markup: inline <script> (one without src), on*="" handlers, javascript: URLs,
# and style="" attributes.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_pages_and_api_answers_carry_a_policy_of_this_site_only(org, client_for):
    client = client_for(org["sales1"])
    for url in ("/", "/customers/", "/account/profile/", "/api/v1/me/"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"], url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert "unsafe-eval" not in response["Content-Security-Policy"], url
    # The login page and error pages too.
    assert "script-src 'self'" in Client().get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/customers/999999999/")["Content-Security-Policy"]


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL, STYLE_ATTRIBUTE, STYLE_ELEMENT],
                         ids=["inline script", "on* handler", "javascript: URL", "style attribute",
                              "style element"])
def test_no_template_holds_what_the_policy_refuses(pattern):
    assert len(TEMPLATES) > 50  # the scan reads the project's templates, not an empty folder
    found = [f"{path.relative_to(Path(crm.__file__).parent)}:{text[:80]}" for path in TEMPLATES
             for text in (match.group(0) for match in pattern.finditer(path.read_text()))]
    assert found == []


def test_the_api_documentation_loads_its_start_up_script_as_a_file(org, client_for):
    client = client_for(org["sales1"])
    page = client.get("/api/v1/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page) and not STYLE_ELEMENT.search(page)
    script_url = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', page).group(1).replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
