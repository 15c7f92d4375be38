"""In headless Chromium, a desktop and a phone, both languages: the audit viewer fits the screen (no sideways
scroll) and a long value opens to its full text."""

from __future__ import annotations

import pytest

from crm.audit.models import AuditEvent
from crm.audit.tests.varied import write_varied_events
from crm.imports import services as imports
from tests_support import SCREEN_SIZES as SIZES
from tests_support import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADING = {"zh-CN": "审计日志", "en-US": "Audit trail"}


def run_import(actor, job):
    imports.queue_import(actor=actor, job=job)  # no transaction open: the (inline) queue runs it at once
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_viewer_fits_the_screen_and_opens_a_long_value(org, chromium, live_server, locale, size, screenshot):
    trail = write_varied_events(org, run_import)
    context, page = signed_in(chromium, live_server, "admin", locale=locale, size=size)
    try:
        page.goto(f"{live_server.url}/audit/")
        assert page.get_by_role("heading", name=HEADING[locale]).is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        imported = page.locator(f"[data-event='{AuditEvent.objects.get(action='import').pk}'] [data-summary]")
        assert imported.is_visible() and "3" in imported.inner_text()
        screenshot(page, "trail")

        created = AuditEvent.objects.filter(action="create", object_id=str(trail["customer"].pk),
                                            content_type__model="customer").get()
        row = page.locator(f"[data-event='{created.pk}']")
        remark = trail["customer"].remark
        assert not row.get_by_text(remark, exact=True).is_visible()
        row.locator("details > summary:not([title])").click()  # "4 more fields": the remark is among them
        row.locator("details summary[title]").first.click()  # the cut-short remark
        assert row.get_by_text(remark, exact=True).is_visible()
        assert not row.locator(".audit-short", has_text=remark[:20]).is_visible()  # replaced, not repeated
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        row.scroll_into_view_if_needed()
        screenshot(page, "long-value")
    finally:
        context.close()
