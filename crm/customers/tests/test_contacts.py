"""Contacts: encrypted at rest, found by exact phone or e-mail, masked unless the role may see them, audited."""

import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from crm.audit.models import AuditEvent
from crm.core import crypto
from crm.core.contact_points import mask_phone, normalise_email, normalise_phone
from crm.customers.models import Contact
from crm.customers.services import create_contact, create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(rep):
    customer = create_customer(actor=rep, data={"name": "杭州云帆科技"})
    return create_contact(actor=rep, customer=customer, data={
        "name": "张三", "mobile": "+86 138-0013-8000", "email": "ZhangSan@YunFan.cn",
        "id_number": "330102199001011234"})


def raw_row(contact) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, email, id_number FROM customers_contact WHERE id = %s", [contact.pk])
        return cursor.fetchone()


@pytest.mark.parametrize(("raw", "expected"), [
    ("+86 138-0013-8000", "13800138000"), ("8613800138000", "13800138000"), ("138 0013 8000", "13800138000"),
    ("0571-88886666", "057188886666"), ("(0571) 8888 6666", "057188886666"), ("+86 10 1234 5678", "01012345678"),
    ("abc", ""), ("", ""),
])
def test_phones_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


def test_emails_are_normalised_and_phones_masked():
    assert normalise_email(" ZhangSan@YunFan.CN ") == "zhangsan@yunfan.cn"
    assert normalise_email("not-an-email") == ""
    assert mask_phone("13812341234") == "138****1234"


def test_sensitive_values_are_encrypted_at_rest(contact):
    stored = raw_row(contact)
    assert all(value.startswith("enc:") for value in stored)
    assert "13800138000" not in "".join(stored) and "yunfan" not in "".join(stored)
    fresh = Contact.objects.get(pk=contact.pk)
    assert (fresh.mobile, fresh.email, fresh.id_number) == ("13800138000", "zhangsan@yunfan.cn", "330102199001011234")


def test_exact_search_works_through_the_blind_index(contact, rep, client_for):
    assert list(Contact.objects.find_by_phone("138 0013 8000")) == [contact]
    assert list(Contact.objects.find_by_email("zhangsan@yunfan.CN")) == [contact]
    page = client_for(rep).get("/search/", {"q": "13800138000"}).content.decode()
    assert "张三" in page


def test_key_rotation_re_encrypts_and_old_values_still_read(contact, monkeypatch):
    old_key = base64.b64encode(crypto._field_keys()[0][1]).decode()
    new_key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("CRM_FIELD_KEYS", f"k1:{new_key},k0:{old_key}")
    crypto.reset_key_cache()
    try:
        assert Contact.objects.get(pk=contact.pk).mobile == "13800138000"  # old key still decrypts
        call_command("rotate_field_keys", stdout=io.StringIO())
        assert all(value.startswith("enc:k1:") for value in raw_row(contact))
        monkeypatch.setenv("CRM_FIELD_KEYS", f"k1:{new_key}")  # the old key can now be dropped
        crypto.reset_key_cache()
        assert Contact.objects.get(pk=contact.pk).email == "zhangsan@yunfan.cn"
    finally:
        monkeypatch.delenv("CRM_FIELD_KEYS")
        crypto.reset_key_cache()


def test_api_masks_and_reveals_with_an_audit_row(contact, rep, org, api_client_for):
    body = api_client_for(rep).get(f"/api/v1/contacts/{contact.pk}/").json()
    assert body["mobile"] == "138****8000" and "zhangsan" not in body["email"]
    revealed = api_client_for(rep).get(f"/api/v1/contacts/{contact.pk}/sensitive/").json()
    assert revealed["mobile"] == "13800138000"
    assert AuditEvent.objects.filter(action="unmask", object_id=str(contact.pk), actor=rep).exists()


def test_roles_without_unmask_cannot_reveal(contact, org, api_client_for):
    support = org["support1"]
    from crm.accounts.models import Role

    Role.objects.filter(code="support").update(data_scope="all")
    response = api_client_for(support).get(f"/api/v1/contacts/{contact.pk}/sensitive/")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_contacts_follow_their_customers_scope(contact, other_rep, api_client_for):
    client = api_client_for(other_rep)
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    assert client.get("/api/v1/contacts/", {"phone": "13800138000"}).json()["count"] == 0
    response = client.post("/api/v1/contacts/", {"customer": contact.customer_id, "name": "x"}, format="json")
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]


def test_bad_phone_is_refused_and_the_audit_trail_holds_no_plain_values(contact, rep, api_client_for):
    client = api_client_for(rep)
    response = client.patch(f"/api/v1/contacts/{contact.pk}/", {"mobile": "abc"}, format="json")
    assert response.status_code == 400 and "mobile" in response.json()["error"]["fields"]
    client.patch(f"/api/v1/contacts/{contact.pk}/", {"mobile": "13900001111"}, format="json")
    rows = " ".join(str(e.changes) for e in AuditEvent.objects.filter(object_id=str(contact.pk)))
    assert "13900001111" not in rows and "139****1111" in rows


def test_the_customer_page_shows_contacts_masked_and_reveals_on_request(contact, rep, org, client_for):
    client = client_for(rep)
    page = client.get(f"/customers/{contact.customer_id}/").content.decode()
    assert "138****8000" in page and "13800138000" not in page
    revealed = client.get(f"/customers/contacts/{contact.pk}/reveal/", HTTP_HX_REQUEST="true").content.decode()
    assert "13800138000" in revealed
    assert AuditEvent.objects.filter(action="unmask", actor=rep).count() == 1


def test_a_rep_adds_a_contact_from_the_customer_page(rep, client_for):
    customer = create_customer(actor=rep, data={"name": "苏州精工"})
    response = client_for(rep).post(f"/customers/{customer.pk}/contacts/new/", {
        "name": "李四", "mobile": "139 1234 5678", "email": "lisi@jinggong.cn", "consent_given": "on",
        "consent_source": "展会登记"})
    assert response.status_code == 302
    contact = customer.contacts.get()
    assert contact.mobile == "13912345678" and contact.consent_at is not None


def test_another_rep_cannot_add_or_reveal_contacts(contact, other_rep, client_for):
    client = client_for(other_rep)
    assert client.get(f"/customers/{contact.customer_id}/contacts/new/").status_code == 404
    assert client.get(f"/customers/contacts/{contact.pk}/reveal/").status_code == 404
    assert client.get(f"/customers/contacts/{contact.pk}/").status_code == 404
