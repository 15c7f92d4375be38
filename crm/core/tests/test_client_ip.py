"""The client IP in the audit trail: X-Forwarded-For counts only when a trusted proxy sent it, and then the
right-most address that is not one of the proxies is the client."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.audit.models import AuditEvent
from tests_support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def login_ip(remote_addr: str, forwarded: str | None = None) -> str | None:
    """Signs sales1 in through the login page as a connection from ``remote_addr``; the audit row's IP."""
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = Client().post("/login/", {"username": "sales1", "password": DEMO_PASSWORD}, **headers)
    assert response.status_code == 302
    return AuditEvent.objects.filter(action="login").latest("pk").ip_address


def test_a_client_cannot_forge_its_address_when_no_proxy_is_trusted(org, settings):
    settings.CRM_TRUSTED_PROXIES = []
    assert login_ip("198.51.100.7", "203.0.113.99") == "198.51.100.7"


def test_a_client_that_is_not_a_trusted_proxy_cannot_forge_its_address(org, settings):
    settings.CRM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert login_ip("198.51.100.7", "203.0.113.99") == "198.51.100.7"


def test_behind_a_trusted_proxy_the_forwarded_client_is_recorded(org, settings):
    settings.CRM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert login_ip(PROXY, "203.0.113.99") == "203.0.113.99"


def test_the_right_most_untrusted_address_wins_over_what_the_client_wrote(org, settings):
    # The client wrote 1.2.3.4 itself; the edge proxy appended what it saw (198.51.100.7), an inner proxy its own.
    settings.CRM_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    assert login_ip(PROXY, "1.2.3.4, 198.51.100.7, 192.0.2.10, 10.1.2.3") == "198.51.100.7"


def test_a_chain_of_proxies_only_gives_the_left_most(org, settings):
    settings.CRM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert login_ip(PROXY, "10.9.9.9, 10.1.2.3") == "10.9.9.9"


def test_ports_and_ipv6_as_proxies_write_them(org, settings):
    settings.CRM_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    assert login_ip(PROXY, "203.0.113.99:51234") == "203.0.113.99"
    assert login_ip("2001:db8::1", "[2001:db8:ffff::2]:443, 2400:cb00::7") == "2400:cb00::7"
    # An IPv4 client through a dual-stack proxy.
    assert login_ip("::ffff:10.0.0.5", "203.0.113.5") == "203.0.113.5"


def test_garbage_in_the_header_is_never_recorded_as_an_address(org, settings):
    settings.CRM_TRUSTED_PROXIES = []
    assert login_ip("198.51.100.7", "not-an-address") == "198.51.100.7"
    settings.CRM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The trusted proxy handed over something that is no address: the proxy is all that is known.
    assert login_ip(PROXY, "not-an-address") == PROXY
    assert login_ip(PROXY, "203.0.113.99, <script>, 10.0.0.7") == "10.0.0.7"


def test_a_bad_trusted_proxies_setting_stops_the_start(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CRM_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example", "CRM_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "CRM_TRUSTED_PROXIES: 'proxy.example' is not an address or network" in result.stderr
