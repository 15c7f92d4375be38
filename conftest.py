"""Shared fixtures: personas from the demo organisation, API clients, and mail/browser helpers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

DEMO_PASSWORD = "demo-Passw0rd"


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HUEY["immediate"] = True
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def org(db):
    """The demo organisation: {"admin": User, "manager": …, "sales1": …, "sales2": …, "marketing1": …, …}."""
    from crm.accounts.demo import load_organisation

    return load_organisation(DEMO_PASSWORD)


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
