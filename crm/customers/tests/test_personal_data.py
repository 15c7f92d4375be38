"""Personal data rights: one person's data as JSON (unmask right, audited) and erasure on request (delete right):
the row stays for the counts, nothing identifying stays — not in the row, the blind index, the follow-ups or the
audit trail."""

import json
import re
import unicodedata

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone, translation

from crm.audit.models import AuditEvent
from crm.core.errors import DomainError
from crm.customers.models import Activity, Contact, Customer
from crm.customers.services import (
    create_contact,
    create_customer,
    log_activity,
    reveal_contact,
    update_contact,
    update_customer,
)
from crm.customers.services.personal_data import erase_contact, export_contact_data
from crm.notifications.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(rep):
    customer = create_customer(actor=rep, data={"name": "杭州云帆科技"})
    contact = create_contact(
        actor=rep,
        customer=customer,
        data={
            "name": "张三",
            "title": "采购经理",
            "mobile": "13800138000",
            "email": "zhangsan@yunfan.cn",
            "id_number": "330102199001011234",
            "birthday": "1990-01-01",
            "remark": "喜欢喝茶",
            "consent_given": True,
            "consent_source": "展会登记表",
        },
    )
    update_contact(actor=rep, contact=contact, data={"title": "采购总监", "mobile": "13900139000"})
    log_activity(
        actor=rep,
        customer=customer,
        data={
            "kind": "call",
            "subject": "给张三打电话",
            "content": "张三说下周回复，手机13900139000",
            "contact": contact,
            "next_follow_up_at": timezone.now() + timezone.timedelta(days=2),
        },
    )
    log_activity(actor=rep, customer=customer, data={"kind": "note", "subject": "与本人无关的记录"})
    reveal_contact(actor=rep, contact=contact)
    return Contact.objects.get(pk=contact.pk)


def contact_events(contact):
    return AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Contact), object_id=str(contact.pk))


# --- Export -----------------------------------------------------------------------------------------------


def test_the_export_holds_every_field_decrypted_consent_follow_ups_and_customer(rep, person):
    data = export_contact_data(actor=rep, contact=person)
    assert data["contact"]["name"] == "张三" and data["contact"]["mobile"] == "13900139000"
    assert data["contact"]["email"] == "zhangsan@yunfan.cn" and data["contact"]["id_number"] == "330102199001011234"
    assert data["contact"]["birthday"] == "1990-01-01" and data["contact"]["title"] == "采购总监"
    assert data["consent"]["given"] is True and data["consent"]["source"] == "展会登记表" and data["consent"]["at"]
    assert data["customer"]["name"] == "杭州云帆科技"
    assert [f["subject"] for f in data["follow_ups"]] == ["给张三打电话"]  # only the follow-ups involving them
    json.dumps(data)  # JSON-ready as it is
    event = contact_events(person).get(action="export")
    assert event.actor == rep and "13900139000" not in json.dumps(event.changes, ensure_ascii=False)


def test_the_export_needs_the_unmask_right(org, person):
    with pytest.raises(DomainError):
        export_contact_data(actor=org["support1"], contact=person)  # 客服 may not see sensitive data
    assert not contact_events(person).filter(action="export").exists()


def test_download_from_the_contact_page(client_for, rep, person):
    client = client_for(rep)
    panel = client.get(f"/customers/contacts/{person.pk}/personal-data/").content.decode()
    assert "export-personal-data" in panel and "erase-personal-data" not in panel  # reps may not erase
    assert "展会登记表" in panel  # consent and its source shown
    response = client.get(f"/customers/contacts/{person.pk}/personal-data/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["contact"]["email"] == "zhangsan@yunfan.cn"


def test_the_download_is_404_outside_the_scope_and_403_without_the_right(client, other_rep, org, person):
    client.force_login(other_rep)
    assert client.get(f"/customers/contacts/{person.pk}/personal-data/export/").status_code == 404
    client.force_login(org["support1"])
    assert client.get(f"/customers/contacts/{person.pk}/personal-data/export/").status_code == 403


def test_api_personal_data(api_client_for, rep, other_rep, org, person):
    response = api_client_for(rep).get(f"/api/v1/contacts/{person.pk}/personal-data/")
    assert response.status_code == 200 and response.json()["contact"]["id_number"] == "330102199001011234"
    assert api_client_for(other_rep).get(f"/api/v1/contacts/{person.pk}/personal-data/").status_code == 404
    assert api_client_for(org["support1"]).get(f"/api/v1/contacts/{person.pk}/personal-data/").status_code == 403
    assert api_client_for(rep).get("/api/v1/contacts/999999/personal-data/").status_code == 404


# --- Erasure ----------------------------------------------------------------------------------------------


def test_erasure_anonymises_the_row_and_keeps_it(manager, person):
    activity_count = Activity.objects.filter(contact=person).count()
    with translation.override("zh-hans"):
        erase_contact(actor=manager, contact=person)
    erased = Contact.objects.get(pk=person.pk)
    assert erased.name == "已删除联系人"
    assert (erased.title, erased.gender, erased.mobile, erased.email, erased.id_number, erased.remark) == (
        "",
        "",
        "",
        "",
        "",
        "",
    )
    assert erased.birthday is None and erased.erased_at is not None
    assert erased.consent_given is False and erased.consent_source == "" and erased.consent_at is None
    assert (erased.mobile_index, erased.email_index, erased.id_number_index) == ("", "", "")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, mobile, email, id_number, search_text FROM customers_contact WHERE id = %s", [person.pk]
        )
        assert "张三" not in "".join(cursor.fetchone())
    # the row and its follow-ups stay: the counts still add up
    assert Activity.objects.filter(contact=person).count() == activity_count
    assert erased.customer.contacts.count() == 1


def test_the_old_values_no_longer_find_anyone(manager, person):
    erase_contact(actor=manager, contact=person)
    assert not Contact.objects.find_by_phone("13900139000").exists()
    assert not Contact.objects.find_by_email("zhangsan@yunfan.cn").exists()
    assert not Contact.objects.filter(search_text__contains="zhangsan").exists()


def test_erasure_scrubs_the_follow_ups_and_the_audit_trail(manager, person):
    erase_contact(actor=manager, contact=person)
    call = Activity.objects.get(contact=person)
    assert "张三" not in call.subject + call.content and "13900139000" not in call.content
    assert Activity.objects.filter(subject="与本人无关的记录").exists()  # other follow-ups untouched
    activity_events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Activity), object_id=str(call.pk)
    )
    trail = json.dumps(
        [[e.changes, e.object_repr, e.message] for e in [*contact_events(person), *activity_events]], ensure_ascii=False
    )
    for secret in ("张三", "采购", "138****8000", "139****9000", "z***@yunfan.cn", "喝茶", "展会登记表", "1990-01-01"):
        assert secret not in trail, secret
    # nor does the reminder the follow-up scheduled
    reminder = Reminder.objects.get(url=person.customer.get_absolute_url())
    stored = json.dumps(reminder.params, ensure_ascii=False)
    assert "张三" not in reminder.display_title + reminder.display_body + stored
    # the trail still says what changed, and when
    update = contact_events(person).get(action="update")
    assert set(update.changes) >= {"title", "mobile"} and update.changes["title"] == ["***", "***"]
    erase = contact_events(person).get(action="erase")
    assert erase.actor == manager and "name" in erase.changes["fields"]


def test_erasure_needs_the_delete_right_and_happens_once(rep, manager, person):
    with pytest.raises(DomainError):
        erase_contact(actor=rep, contact=person)  # reps may not delete
    assert Contact.objects.get(pk=person.pk).name == "张三"
    erase_contact(actor=manager, contact=person)
    with pytest.raises(DomainError):
        erase_contact(actor=manager, contact=person)


def test_an_erased_contact_cannot_be_edited_back_to_life(manager, client_for, person):
    erase_contact(actor=manager, contact=Contact.objects.get(pk=person.pk))
    erased = Contact.objects.get(pk=person.pk)
    with pytest.raises(DomainError):
        update_contact(actor=manager, contact=erased, data={"name": "张三"})
    response = client_for(manager).post(f"/customers/contacts/{person.pk}/", {"name": "张三"})
    assert response.status_code == 200  # the form again, with the reason
    assert Contact.objects.get(pk=person.pk).name != "张三"


def test_erase_through_the_confirm_screen(client_for, manager, person):
    client = client_for(manager)
    panel = client.get(f"/customers/contacts/{person.pk}/personal-data/").content.decode()
    assert "erase-personal-data" in panel
    confirm = client.get(f"/customers/contacts/{person.pk}/erase/")
    assert confirm.status_code == 200 and "confirm-erase" in confirm.content.decode()
    assert Contact.objects.get(pk=person.pk).erased_at is None  # looking changes nothing
    response = client.post(f"/customers/contacts/{person.pk}/erase/")
    assert response.status_code == 302 and response["Location"] == f"/customers/{person.customer_id}/"
    assert Contact.objects.get(pk=person.pk).erased_at is not None
    again = client.post(f"/customers/contacts/{person.pk}/erase/")
    with translation.override("zh-hans"):
        message = translation.gettext("This person's data has already been erased.")
    assert again.status_code == 400 and message in again.content.decode()


def test_the_erase_screen_is_forbidden_to_reps(client_for, rep, person):
    assert client_for(rep).post(f"/customers/contacts/{person.pk}/erase/").status_code == 403
    assert Contact.objects.get(pk=person.pk).erased_at is None


def test_api_erase(api_client_for, manager, rep, org, person):
    assert api_client_for(rep).post(f"/api/v1/contacts/{person.pk}/erase/").status_code == 403
    theirs = create_contact(
        actor=org["support1"],
        customer=create_customer(actor=org["support1"], data={"name": "客服部的客户"}),
        data={"name": "王五"},
    )
    assert api_client_for(manager).post(f"/api/v1/contacts/{theirs.pk}/erase/").status_code == 404
    client = api_client_for(manager)
    response = client.post(f"/api/v1/contacts/{person.pk}/erase/")
    assert response.status_code == 200 and response.json()["mobile"] == ""
    again = client.post(f"/api/v1/contacts/{person.pk}/erase/")
    assert again.status_code == 400 and again.json()["error"]["message"]
    edit = client.patch(f"/api/v1/contacts/{person.pk}/", {"name": "张三"}, format="json")
    assert edit.status_code == 400
    assert Contact.objects.get(pk=person.pk).erased_at <= timezone.now()


# --- Consent ----------------------------------------------------------------------------------------------


def test_consent_has_a_source_and_a_date_while_it_stands(rep):
    customer = create_customer(actor=rep, data={"name": "云帆科技"})
    on_paper = timezone.now() - timezone.timedelta(days=30)
    contact = create_contact(
        actor=rep,
        customer=customer,
        data={"name": "王五", "consent_given": True, "consent_source": "纸质同意书", "consent_at": on_paper},
    )
    assert contact.consent_at == on_paper  # collected last month, recorded as such
    contact = update_contact(actor=rep, contact=contact, data={"consent_given": False})
    assert contact.consent_at is None  # withdrawn: no date of a consent that no longer stands
    contact = update_contact(actor=rep, contact=contact, data={"consent_given": True})
    assert abs((contact.consent_at - timezone.now()).total_seconds()) < 60  # given again, now
    withdrawal = contact_events(contact).filter(action="update").order_by("id").first()
    assert withdrawal.changes["consent_given"] == [True, False]  # the trail keeps the history


def test_a_consent_date_in_the_future_is_refused(api_client_for, client_for, rep, person):
    future = (timezone.now() + timezone.timedelta(days=3)).isoformat()
    response = api_client_for(rep).patch(f"/api/v1/contacts/{person.pk}/", {"consent_at": future}, format="json")
    assert response.status_code == 400 and "consent_at" in response.json()["error"]["fields"]
    page = client_for(rep).get(f"/customers/contacts/{person.pk}/").content.decode()
    assert 'name="consent_at"' in page and 'name="consent_source"' in page


# --- Erasure reaches every copy (issue 8 §6) --------------------------------------------------------------


def _leaks(text: str) -> list[str]:
    """What of 李四 is still in ``text``: the name, the mobile in any written format (its digits in a row once
    separators and full-width forms are folded), the e-mail in any case."""
    folded = unicodedata.normalize("NFKC", text).lower()
    found = [secret for secret in ("李四", "lisi@yunfan.cn") if secret in folded]
    return found + (["mobile"] if "13919635714" in re.sub(r"[\s\-()+.]", "", folded) else [])


@pytest.fixture
def mentioned(rep):
    """李四 of the issue: a follow-up linked to them keeps the mobile as written and the e-mail in upper case; a
    follow-up on the same customer mentions them without the link; the customer's remark names them too."""
    customer = create_customer(actor=rep, data={"name": "宁波海曙贸易", "remark": "对接人李四，手机 139 1963 5714"})
    contact = create_contact(actor=rep, customer=customer,
                             data={"name": "李四", "mobile": "139-1963-5714", "email": "LiSi@YunFan.cn"})
    other = create_contact(actor=rep, customer=customer, data={"name": "王五", "remark": "李四的同事"})
    log_activity(actor=rep, customer=customer, data={
        "kind": "call", "subject": "回访李四", "contact": contact,
        "content": "手机 139-1963-5714，邮件 LISI@YUNFAN.CN"})
    log_activity(actor=rep, customer=customer, data={
        "kind": "visit", "subject": "拜访王五", "contact": other,
        "content": "王五说李四（１３９１９６３５７１４）下周回来，抄送 Lisi@yunfan.CN"})
    log_activity(actor=rep, customer=customer, data={"kind": "note", "subject": "与本人无关", "content": "报价单"})
    update_customer(actor=rep, customer=customer, data={"address": "李四家楼下 +86 139 1963 5714"})
    return Contact.objects.get(pk=contact.pk)


def test_erasure_finds_the_person_in_every_follow_up_of_the_customer_however_written(manager, mentioned):
    erase_contact(actor=manager, contact=mentioned)
    for activity in Activity.objects.filter(customer=mentioned.customer):
        assert _leaks(activity.subject + " " + activity.content) == [], activity.content
    assert Activity.objects.filter(subject="与本人无关", content="报价单").exists()  # the rest stays as it was
    assert "王五说" in Activity.objects.get(subject="拜访王五").content


def test_erasure_reaches_the_audit_rows_of_the_customer_its_contacts_and_follow_ups(manager, mentioned):
    erase_contact(actor=manager, contact=mentioned)
    customer = mentioned.customer
    ids = {
        Customer: [customer.pk],
        Contact: list(customer.contacts.values_list("pk", flat=True)),
        Activity: list(customer.activities.values_list("pk", flat=True)),
    }
    for model, pks in ids.items():
        events = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                           object_id__in=[str(pk) for pk in pks])
        assert events.exists()
        for event in events:
            text = json.dumps([event.changes, event.object_repr, event.message], ensure_ascii=False)
            assert _leaks(text) == [], (model, text)
    customer.refresh_from_db()
    assert _leaks(customer.remark + customer.address) == [] and "对接人" in customer.remark
    assert _leaks(Contact.objects.get(name="王五").remark) == []


def test_the_timeline_and_an_export_after_the_erasure_hold_nothing_of_the_person(manager, client_for, mentioned):
    erase_contact(actor=manager, contact=mentioned)
    from crm.core.timeline import timeline_page

    entries, _cursor = timeline_page(mentioned.customer, manager)
    assert entries
    for entry in entries:
        assert _leaks(f"{entry.title} {entry.body}") == [], entry
    page = client_for(manager).get(mentioned.customer.get_absolute_url()).content.decode()
    assert "李四" not in page and "lisi@yunfan.cn" not in page.lower()
    exported = export_contact_data(actor=manager, contact=Contact.objects.get(pk=mentioned.pk))
    assert _leaks(json.dumps(exported, ensure_ascii=False)) == []
    assert len(exported["follow_ups"]) == 1  # the follow-up is still theirs, without them in it
