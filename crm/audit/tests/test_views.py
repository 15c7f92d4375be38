"""The audit trail: what gets recorded, and the viewer that only administrators open."""

import pytest
from django.urls import reverse

from crm.audit.models import AuditEvent
from crm.audit.services import record_export, record_unmask
from crm.customers.models import Customer
from crm.customers.services import create_customer, update_customer

pytestmark = pytest.mark.django_db


def test_a_change_records_who_when_and_from_what_to_what(rep):
    customer = create_customer(actor=rep, data={"name": "旧名", "phone": "13800000000"})
    update_customer(actor=rep, customer=customer, data={"name": "新名", "phone": "13800000000"})
    event = AuditEvent.objects.filter(action="update", object_id=str(customer.pk)).get()
    assert event.actor == rep and event.changes == {"name": ["旧名", "新名"]}
    assert event.created_at is not None


def test_exports_and_unmasking_are_recorded(rep):
    customer = create_customer(actor=rep, data={"name": "客户"})
    record_export(actor=rep, model=Customer, count=12, filters={"level": "A"})
    record_unmask(actor=rep, instance=customer, field="phone")
    assert AuditEvent.objects.get(action="export").changes == {"model": "customers.customer", "count": 12,
                                                               "filters": {"level": "A"}}
    assert AuditEvent.objects.get(action="unmask").object_id == str(customer.pk)


def test_the_viewer_filters_by_user_and_action(client_for, admin_user, rep, other_rep):
    create_customer(actor=rep, data={"name": "张三公司"})
    create_customer(actor=other_rep, data={"name": "李四公司"})
    client = client_for(admin_user)
    page = client.get(reverse("audit:list"), {"actor": rep.pk, "action": "create"}).content.decode()
    assert "张三公司" in page and "李四公司" not in page
    page = client.get(reverse("audit:list"), {"q": "李四"}).content.decode()
    assert "李四公司" in page and "张三公司" not in page


def test_only_administrators_read_the_audit_trail(client_for, api_client_for, rep, admin_user):
    assert client_for(rep).get(reverse("audit:list")).status_code == 403
    assert api_client_for(rep).get("/api/v1/audit-events/").status_code == 403
    create_customer(actor=rep, data={"name": "客户"})
    response = api_client_for(admin_user).get("/api/v1/audit-events/", {"action": "create"})
    assert response.status_code == 200 and response.json()["results"][0]["object_repr"] == "客户"


# --- What modules register: record types, actions, fields not worth a line ------------------------------------


def test_the_record_type_filter_offers_what_every_module_registered(client_for, admin_user):
    from django.contrib.contenttypes.models import ContentType

    from crm.audit.filtersets import AuditEventFilterSet

    offered = {(ct.app_label, ct.model) for ct in AuditEventFilterSet().filters["content_type"].get_queryset(None)}
    assert {("care", "careplan"), ("care", "greetingday"), ("imports", "importjob"), ("customers", "customer"),
            ("accounts", "role"), ("system", "dictionaryitem"), ("testing_app", "project")} <= offered
    assert ("customers", "poolmovement") not in offered  # not audited, so not offered
    plan_type = ContentType.objects.get(app_label="care", model="careplan")
    page = client_for(admin_user).get(reverse("audit:list"), {"content_type": plan_type.pk})
    assert page.status_code == 200 and "alert-danger" not in page.content.decode()


def test_a_module_action_reads_in_the_users_language(client_for, admin_user, rep):
    from crm.audit.services import record_event
    from crm.testing_app.models import Project

    project = Project.objects.create(name="归档项目", owner=rep, department=rep.department)
    record_event(actor=rep, action="archive", instance=project)  # registered by the testing app
    customer = create_customer(actor=rep, data={"name": "公海客户"})
    record_event(actor=rep, action="pool_claim", instance=customer)  # registered by customers
    page = client_for(admin_user).get(reverse("audit:list"), {"action": "pool_claim"},
                                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "从公海领取" in page and "公海客户" in page and "归档项目" not in page
    page = client_for(admin_user).get(reverse("audit:list"), {"action": "archive"}).content.decode()
    assert "Archived" in page and "归档项目" in page


def test_a_module_names_the_fields_not_worth_a_history_line():
    from crm.audit.services import snapshot
    from crm.testing_app.models import Project

    state = snapshot(Project(name="Apollo"))
    assert "name_upper" not in state and state["name"] == "Apollo"  # Project.audit_exclude
    assert "updated_at" not in state and "created_at" not in state  # the platform's own
    assert {"search_text", "name_key", "pool_warned_at"}.isdisjoint(snapshot(Customer(name="x")))
