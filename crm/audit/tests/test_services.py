"""The bulk audit writers leave exactly the rows the one-by-one functions leave."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.accounts.models import Department
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.core.request_context import client_ip_var, request_id_var

pytestmark = pytest.mark.django_db

COMPARED = ("actor_id", "actor_name", "action", "content_type_id", "object_id", "object_repr", "changes", "message",
            "ip_address", "request_id")


def row(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in COMPARED}


def test_record_creates_writes_what_record_create_writes(admin_user):
    one, two = Department.objects.create(name="一部甲"), Department.objects.create(name="一部乙")
    single = audit.record_create(actor=admin_user, instance=one)
    with CaptureQueriesContext(connection) as queries:
        bulk = audit.record_creates(actor=admin_user, instances=[one, two])
    assert len([q for q in queries.captured_queries if "INSERT" in q["sql"]]) == 1
    assert row(AuditEvent.objects.get(pk=bulk[0])) == row(single)
    assert AuditEvent.objects.get(pk=bulk[1]).object_repr == "一部乙"


def test_record_updates_writes_what_record_update_writes_and_nothing_for_unchanged_records(admin_user):
    changed, unchanged = Department.objects.create(name="二部"), Department.objects.create(name="三部")
    before = {d.pk: audit.snapshot(d) for d in (changed, unchanged)}
    changed.name = "二部（新）"
    changed.save()
    single = audit.record_update(actor=admin_user, instance=changed, before=before[changed.pk])
    bulk = audit.record_updates(
        actor=admin_user,
        changes=[(d, before[d.pk], audit.snapshot(d)) for d in (changed, unchanged)],
    )
    assert len(bulk) == 1 and row(AuditEvent.objects.get(pk=bulk[0])) == row(single)


def test_record_events_keeps_the_request_context_and_a_system_actor():
    department = Department.objects.create(name="四部")
    ip, request = client_ip_var.set("10.0.0.9"), request_id_var.set("req-1")
    try:
        single = audit.record_event(actor=None, action=AuditEvent.Action.OTHER, instance=department,
                                    changes={"x": [1, 2]}, message="why")
        [bulk] = audit.record_events(actor=None, action=AuditEvent.Action.OTHER, events=[(department, {"x": [1, 2]})],
                                     message="why")
    finally:
        client_ip_var.reset(ip)
        request_id_var.reset(request)
    assert row(AuditEvent.objects.get(pk=bulk)) == row(single)


def test_a_snapshot_shows_each_audited_field_in_its_json_form(admin_user):
    import datetime as dt
    import json

    from django.db import models

    from crm.testing_app.models import Account, Project

    class Status(models.TextChoices):
        OPEN = "open", "Open"

    department = Department.objects.create(name="五部")
    project = Project(name=Status.OPEN, budget=5, owner=admin_user, department=department, name_upper="OPEN")
    when = dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC)
    account = Account(name="客户甲", deleted_at=when)

    state = audit.snapshot(project)

    # audit_exclude and the bookkeeping timestamps are left out; foreign keys show their target's name
    assert "name_upper" not in state and "created_at" not in state and "updated_at" not in state
    assert (state["owner"], state["department"], state["budget"]) == (str(admin_user), "五部", 5)
    # a choices member is stored as its value, a datetime as its text, an empty relation as null
    assert json.loads(json.dumps(state))["name"] == "open"
    assert audit.snapshot(account)["deleted_at"] == str(when) and audit.snapshot(account)["owner"] is None
