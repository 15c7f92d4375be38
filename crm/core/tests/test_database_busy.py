"""A write that finds the database busy (another transaction holds the lock it needs past the timeout) is told
to try again — 503 with Retry-After, in the user's language, as the API's error or a page — never a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from crm.system.numbering import sequence_row
from crm.testing_app.models import Project
from crm.testing_app.services import NUMBER_SEQUENCE, create_project

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_held(table: str, key: str, value) -> Iterator[None]:
    """Another connection holds what the write needs: SQLite's one write lock, or on PostgreSQL the row of
    ``table`` whose ``key`` is ``value`` (and this connection waits for a lock at most 200 ms)."""
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"], host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    other.execute(f"SELECT 1 FROM {table} WHERE {key} = %s FOR UPDATE", [value])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def test_the_api_answers_503_with_retry_after_in_the_users_language(api_client_for, admin_user):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    project = create_project(actor=admin_user, data={"name": "平常的项目"})
    client = api_client_for(admin_user)
    with database_held("testing_app_project", "id", project.pk):
        response = client.patch(f"/api/v1/projects/{project.pk}/", {"name": "繁忙时的项目"}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["code"] == "busy" and error["retry_after"] == 5
    assert "数据库正忙" in error["message"]
    assert not Project.objects.filter(name="繁忙时的项目").exists()


def test_a_page_answers_503_with_the_reason(admin_user):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    client.get("/testing/projects/new/")  # the session and CSRF cookie exist before the database is held
    sequence_row(NUMBER_SEQUENCE)
    with database_held("system_numbersequence", "code", NUMBER_SEQUENCE):  # a new project takes a number
        response = client.post("/testing/projects/new/", {"name": "繁忙时的项目"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "The database is busy" in response.content.decode()
    assert not Project.objects.filter(name="繁忙时的项目").exists()
