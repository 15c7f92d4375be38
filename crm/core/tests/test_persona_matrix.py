"""The persona matrix itself (crm/core/testing) can fail: run on the suite's module with a door broken on
purpose, its test of that door reports the personas that door lets through."""

from __future__ import annotations

import ast
import unittest
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from rest_framework.serializers import ModelSerializer

from crm.testing_app.api.serializers import ProjectSerializer
from crm.testing_app.models import Project
from crm.testing_app.tests import test_personas  # the module: its classes are collected there, not here
from crm.testing_app.views import ProjectListView

TESTING_DIR = Path(__file__).resolve().parents[1] / "testing"


def run(test_name: str) -> list[str]:
    """The failure messages of one test of the Project matrix."""
    result = unittest.TestResult()
    # A suite runs the class's setUpTestData around the test, as a test run does. Its tearDownClass closes the
    # database connection (the end of a class in a test run); here that would end this test's own transaction
    # on PostgreSQL, so the connection stays open.
    with mock.patch.object(connection, "close"):
        unittest.TestSuite([test_personas.ProjectPersonaTest(test_name)]).run(result)
    return [text for _test, text in result.failures + result.errors]


@pytest.mark.django_db
def test_the_matrix_catches_a_list_that_ignores_the_scope(monkeypatch):
    assert run("test_list_page_shows_the_record_to_whom_may_see_it") == []
    monkeypatch.setattr(ProjectListView, "get_queryset",
                        lambda self: Project.objects.select_related("owner").order_by("-id"))
    failures = run("test_list_page_shows_the_record_to_whom_may_see_it")
    assert len(failures) == 1 and "other_rep: list page 200, record shown: True" in failures[0]
    assert "marketing: list page 200, record shown: True" in failures[0]


@pytest.mark.django_db
def test_the_matrix_catches_a_serializer_that_ignores_the_field_rules(monkeypatch):
    monkeypatch.setattr(ProjectSerializer, "get_fields", ModelSerializer.get_fields)  # the rules' mixin skipped
    failures = run("test_a_hidden_field_leaves_by_no_door")
    assert len(failures) == 1 and "API detail: the hidden field is a key of the answer" in failures[0]


@pytest.mark.django_db
def test_the_matrix_catches_a_list_whose_queries_grow_with_its_rows(monkeypatch):
    monkeypatch.setattr(ProjectListView, "get_queryset", lambda self: Project.objects.visible_to(
        self.request.user).order_by("-id"))  # no select_related: one owner query per row
    failures = run("test_list_page_queries_do_not_grow_with_the_rows")
    assert len(failures) == 1 and "with 4 rows more" in failures[0]


def test_the_test_machinery_imports_only_the_platform():
    imported = set()
    for path in TESTING_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    crm = {name.split(".")[1] for name in imported if name.startswith("crm.")}
    assert crm <= {"core", "accounts", "system"}, crm
