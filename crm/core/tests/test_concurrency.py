"""The platform's no-lost-update machinery (crm/core/concurrency.py), on the suite's own module: versions,
row locks that serialise a read-modify-write on SQLite and PostgreSQL, If-Match and ETag on the base viewset."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.audit.models import AuditEvent
from crm.core.concurrency import SetChange, if_match_allows, lock_for_update, parse_version
from crm.core.testing.threads import run_together, threads_database  # noqa: F401 - a fixture
from crm.testing_app import services
from crm.testing_app.models import Project


def make_project(owner, name="并发项目") -> Project:
    return services.create_project(actor=owner, data={"name": name, "status": "open", "budget": 100})


@pytest.mark.django_db
def test_a_new_record_is_version_one_and_every_save_moves_it_on(org):
    project = make_project(org["admin"])
    assert project.version == 1
    services.update_project(actor=org["admin"], project=project, data={"name": "改名"})
    assert project.version == 2
    project.save(update_fields=["status"])  # a save of some fields moves it too
    assert project.version == 3 == Project.objects.get(pk=project.pk).version


@pytest.mark.django_db
def test_a_save_from_an_old_copy_still_moves_the_version_in_the_database(org):
    project = make_project(org["admin"])
    old_copy = Project.objects.get(pk=project.pk)
    services.update_project(actor=org["admin"], project=project, data={"name": "甲"})
    old_copy.save()
    assert old_copy.version == 3  # counted in the database (version + 1), not from the copy's 1


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_a_programming_error(org):
    with pytest.raises(TransactionManagementError):
        lock_for_update(make_project(org["admin"]))


@pytest.mark.django_db
def test_the_version_is_no_history(org):
    project = make_project(org["admin"])
    services.update_project(actor=org["admin"], project=project, data={"name": "新名"})
    event = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("id")
    assert "version" not in event.changes and event.changes["name"] == ["并发项目", "新名"]


def test_if_match_names_the_current_version_strongly_or_weakly_or_as_any():
    record = Project(version=3)
    assert if_match_allows('"3"', record) and if_match_allows('W/"3"', record) and if_match_allows("*", record)
    assert if_match_allows('"1", "3"', record)
    assert not if_match_allows('"2"', record) and not if_match_allows("3", record)
    assert not if_match_allows('"3', record) and not if_match_allows("", record)


@pytest.mark.parametrize("value", ["²", "0", "-1", "1.5", "x", True, 0, "12345678901"])
def test_a_version_that_is_no_positive_whole_number_is_refused(value):
    with pytest.raises(ValueError):
        parse_version(value)


def test_an_absent_version_asks_for_no_check():
    assert parse_version(None) is None and parse_version("") is None and parse_version(" 7 ") == 7


def test_a_set_change_is_empty_only_without_additions_and_removals():
    assert not SetChange() and SetChange(add=(1,)) and SetChange(remove=(1,))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_a_second_update_waits_for_the_first_and_reads_what_it_wrote(org):
    # Given a record, when one transaction holds it locked while a second one asks for it
    project = make_project(org["admin"])
    locked, seen = threading.Event(), {}

    def first():
        with transaction.atomic():
            mine = lock_for_update(Project.objects.get(pk=project.pk))
            locked.set()
            time.sleep(0.5)  # the second asks meanwhile
            mine.name = "第一"
            mine.save()

    def second():
        locked.wait(5)
        with transaction.atomic():
            mine = lock_for_update(Project.objects.get(pk=project.pk))
            seen["name"], seen["version"] = mine.name, mine.version

    run_together([first, second])
    # Then the second read the first one's committed change, not the state before it
    assert seen == {"name": "第一", "version": 2}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("threads_database")
def test_concurrent_api_patches_of_different_fields_of_a_module_record_all_stay(org):
    # The base viewset does it for every module: the suite's project has no lock code of its own in its views
    admin = org["admin"]
    project = make_project(admin)
    token = Token.objects.get_or_create(user=admin)[0].key

    def patch(field, value):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.patch(f"/api/v1/projects/{project.pk}/", {field: value}, format="json").status_code

    for round_ in range(3):
        values = {"name": f"名{round_}", "status": ("done", "open")[round_ % 2], "budget": 300 + round_}
        assert set(run_together([lambda f=f, v=v: patch(f, v) for f, v in values.items()])) == {200}
        project.refresh_from_db()
        assert (project.name, project.status, project.budget) == tuple(values.values())
    events = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, object_id=str(project.pk)).order_by("id")
    names = [event.changes["name"] for event in events if "name" in event.changes]
    assert all(later[0] == earlier[1] for earlier, later in zip(names, names[1:], strict=False))
