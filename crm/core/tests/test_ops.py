"""Operations: health, metrics, request ids in JSON logs, the secret key kept outside the repository."""

import json
import logging

import pytest

from crm import settings as production_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_task_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "task_queue": "ok"}}


def test_metrics_count_requests_latency_and_errors(client_for, rep):
    client = client_for(rep)
    client.get("/customers/")
    body = client.get("/metrics").content.decode()
    assert 'crm_http_requests_total{method="GET",route="customers:list",status="200"}' in body
    assert "crm_http_request_duration_seconds_bucket" in body
    assert "crm_http_errors_total" in body


def test_request_id_is_echoed_and_logged_as_json(client, caplog):
    from crm.core.logging import RequestIdFilter

    handler_records = []

    class Capture(logging.Handler):
        def emit(self, record):
            handler_records.append(self.format(record))

    capture = Capture()
    capture.addFilter(RequestIdFilter())
    from pythonjsonlogger.json import JsonFormatter

    capture.setFormatter(JsonFormatter("%(levelname)s %(message)s %(request_id)s"))
    logging.getLogger("django.request").addHandler(capture)
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-12345")
    finally:
        logging.getLogger("django.request").removeHandler(capture)
    assert response["X-Request-ID"] == "req-12345"
    logged = [json.loads(line) for line in handler_records]
    assert any(entry["request_id"] == "req-12345" for entry in logged)


def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline" and len(response["X-Request-ID"]) == 32


def test_the_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    key_file = tmp_path / "conf" / "secret_key"
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    monkeypatch.setenv("CRM_SECRET_KEY_FILE", str(key_file))
    first = production_settings._secret_key()
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert production_settings._secret_key() == first and len(first) >= 50


def test_production_settings_run_without_debug():
    assert production_settings.DEBUG is False


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(client):
    login = client.get("/login/").content.decode()
    assert 'rel="icon"' in login and "favicon" in login
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith(".svg")
