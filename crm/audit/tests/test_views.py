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
