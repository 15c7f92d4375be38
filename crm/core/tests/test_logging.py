"""The log keeps tracebacks for our bugs, not for junk a client sent (a fuzzer's thousand form fields)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_lines(settings):
    """The console handler's output while the test runs, as settings.LOGGING formats it."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_too_many_form_fields_log_one_line_and_no_traceback(console_lines, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{n}=x" for n in range(50))
    response = Client().post("/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    records = [json.loads(line) for line in console_lines.getvalue().splitlines() if line.startswith("{")]
    refused = [r for r in records if r["logger"] == "django.security.TooManyFieldsSent"]
    assert refused and all("exc_info" not in r and "Traceback" not in json.dumps(r) for r in refused)


def test_a_server_error_keeps_its_traceback(console_lines):
    try:
        raise ValueError("a bug of ours")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error", exc_info=True,
                                                  extra={"status_code": 500})
    assert "Traceback" in console_lines.getvalue() and "a bug of ours" in console_lines.getvalue()
