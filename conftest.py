"""Shared fixtures: personas from the demo organisation, API clients and the browser.

The suite runs with crm/settings_test.py (fast hasher, Huey inline, mail kept in memory).
"""

from __future__ import annotations

import email
import socket
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from rest_framework.test import APIClient

from tests_support import DEMO_PASSWORD  # noqa: E402,F401


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached rows of a rolled-back test must not leak into the next."""
    from django.core.cache import cache

    from crm.system.dictionaries import forget_memo

    cache.clear()
    forget_memo()
    yield
    cache.clear()
    forget_memo()


@pytest.fixture
def org(db):
    """The demo organisation: {"admin": User, "manager": …, "sales1": …, "sales2": …, "marketing1": …, …}."""
    from crm.accounts.demo import load_organisation
    from crm.system.demo import load as load_dictionaries

    users = load_organisation(DEMO_PASSWORD)
    load_dictionaries(users)  # the picklists (industries, levels…) business records refer to
    return users


@pytest.fixture
def admin_user(org):
    return org["admin"]


@pytest.fixture
def rep(org):
    """A sales rep of 销售一部 whose scope is their own records."""
    return org["sales1"]


@pytest.fixture
def other_rep(org):
    """A sales rep of 销售二部."""
    return org["sales2"]


@pytest.fixture
def manager(org):
    return org["manager"]


@pytest.fixture
def api_client_for():
    """api_client_for(user) -> an APIClient authenticated with that user's token."""
    from rest_framework.authtoken.models import Token

    def make(user) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def client_for(client):
    """client_for(user) -> the Django test client logged in as that user."""

    def make(user):
        client.force_login(user)
        return client

    return make


# --- Browser tests: Debian's chromium driven by Playwright -------------------------------------------------
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from tests are still safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    executable = os.environ.get("CRM_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, settings):
    """A fresh browser page (Chinese by default) with ``page.base_url`` pointing at the live server."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    browser_page = context.new_page()
    browser_page.set_default_timeout(10_000)
    browser_page.base_url = live_server.url
    yield browser_page
    context.close()


@pytest.fixture
def login(page):
    """login(username, password=DEMO_PASSWORD): signs in through the real login page."""

    def do_login(username: str, password: str = DEMO_PASSWORD):
        page.goto(f"{page.base_url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return do_login


@pytest.fixture
def screenshot(request):
    """screenshot(page, name): saves a full-page PNG under test-results/screenshots/ (named after the test), for
    a person to look at; returns the path."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "test-results" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(browser_page, name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png".replace("/", "_").replace("[", "-").replace("]", "")
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take


# Runs axe-core in the page and keeps what a keyboard or screen-reader user would be blocked by.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""


@pytest.fixture
def axe_violations(live_server):
    """axe_violations(page) -> the serious and critical WCAG violations axe-core (npm, served only by the test
    settings) finds in the page as it is now: [{"id", "impact", "help", "page", "nodes": [{"target", "summary"}]}].
    ``tests_support.describe_axe_violations`` turns them into a readable failure message."""

    def run(browser_page) -> list[dict]:
        if not browser_page.evaluate("typeof window.axe !== 'undefined'"):
            browser_page.add_script_tag(url=f"{live_server.url}/static/vendor/axe-core/axe.min.js")
        found = browser_page.evaluate(AXE_RUN)
        where = browser_page.url.removeprefix(live_server.url)
        width = browser_page.viewport_size["width"] if browser_page.viewport_size else "?"
        language = browser_page.evaluate("document.documentElement.lang")
        return [{**violation, "page": f"{where} ({language}, {width}px)"} for violation in found]

    return run


# --- A real SMTP server for mail tests -----------------------------------------------------------------

class Inbox:
    """Keeps every message the server accepts; refuses recipients listed in ``refuse``."""

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[Message]:
        return [email.message_from_bytes(envelope.content) for envelope in self.envelopes]

    def to(self, address: str) -> list[Message]:
        return [email.message_from_bytes(e.content) for e in self.envelopes if address in e.rcpt_tos]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free local port, with Django's SMTP backend pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()
