"""Importing customers: the 1,000-row GBK file of the issue, duplicates and policies, scope, owners, tags,
dictionary labels, and an import that fails half-way leaving nothing behind."""

import datetime as dt

import pytest
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.fulltext import find_matches
from crm.core.pinyin import search_text
from crm.customers.models import Contact, Customer, Tag
from crm.customers.services import create_contact, create_customer
from crm.customers.services import imports as writes
from crm.imports.tests.sample_files import csv_upload, preview, rows_by_action, run, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Row messages are stored in the importer's language; these tests read them in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


HEADINGS = ["客户名称", "电话", "邮箱", "行业", "联系人", "手机"]


def test_the_gbk_file_of_1000_rows_shows_exactly_its_bad_rows_and_imports_the_rest_in_one_go(
    rep, other_rep, django_capture_on_commit_callbacks
):
    # Given a customer of the other department and one of the rep's own, each with a phone the file repeats
    create_customer(actor=other_rep, data={"name": "宁波远航物流有限公司", "phone": "0574-66660000"})
    own = create_customer(actor=rep, data={"name": "杭州远航物流有限公司", "phone": "0571-77770000"})
    industries = ["信息技术", "it", "Retail", "制造业"]
    rows, bad_email, unknown_industry, duplicates = [HEADINGS], set(), set(), {}
    for i in range(1000):
        number = i + 2  # the heading is row 1, as Excel numbers them
        name, phone, email = f"测试导入客户{i}号有限公司", f"0571-{88000000 + i}", f"client{i}@example.cn"
        industry, mobile = industries[i % 4], f"138{i:08d}"
        if i % 50 == 7:
            email = f"client{i}example.cn"
            bad_email.add(number)
        if i % 100 == 33:
            industry = "航天"
            unknown_industry.add(number)
        if i % 100 == 60:
            phone, duplicates[number] = "0574 6666 0000", "cannot see"
        if i % 100 == 61:
            phone, duplicates[number] = "+86 571 7777 0000", own.name
        if i % 100 == 80:
            mobile, duplicates[number] = f"138{i - 1:08d}", f"Row {number - 1}"
        rows.append([name, phone, email, industry, f"联系人{i}", mobile])
    before = Customer.objects.count()

    # When the rep uploads it as Excel saves CSV on a Chinese Windows (GBK) and checks it
    job = preview(rep, csv_upload(rows, "gb18030", name="客户.csv"))

    # Then the preview lists exactly the bad rows as errors and the duplicates as duplicates
    assert job.encoding == "gb18030"
    assert job.mapping == {
        "客户名称": "name",
        "电话": "phone",
        "邮箱": "email",
        "行业": "industry",
        "联系人": "contact_name",
        "手机": "contact_mobile",
    }
    found = rows_by_action(job)
    assert found["error"] == bad_email | unknown_industry
    assert found["skip"] == set(duplicates)
    assert (job.error_count, job.duplicate_count, job.created_count) == (30, 30, 940)
    issues = {issue["row"]: issue for issue in job.issues}
    assert any("航天" in m and "Industries" in m for m in issues[35]["messages"])
    assert issues[62]["duplicate_of"] == "A customer you cannot see" and issues[62]["duplicate_url"] == ""
    assert own.name in issues[63]["duplicate_of"] and issues[63]["duplicate_url"] == own.get_absolute_url()
    assert issues[82]["duplicate_of"] == "Row 81 of this file"
    assert Customer.objects.count() == before  # a dry run writes nothing

    # And the import writes the other 940 rows, with their contacts, in one go
    job = run(rep, job, django_capture_on_commit_callbacks)
    assert job.status == "done" and (job.created_count, job.skipped_count, job.error_count) == (940, 60, 30)
    assert Customer.objects.count() == before + 940
    imported = Customer.objects.get(name="测试导入客户1号有限公司")
    assert (imported.phone, imported.email, imported.industry) == ("057188000001", "client1@example.cn", "it")
    assert imported.owner == rep and imported.department_id == rep.department_id
    # Phone and e-mail are indexed from their own columns, not search_text (crm/core/fulltext.py).
    assert imported.search_text == search_text(imported.name, imported.number)
    assert imported.number
    assert imported.name_key == "测试导入客户1号"
    contact = imported.contacts.get()
    assert contact.mobile == "13800000001" and contact.is_primary
    assert Contact.objects.find_by_phone("138 0000 0001").get() == contact
    assert Customer.objects.get(name="测试导入客户2号有限公司").industry == "retail"  # by its English label
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT)
    assert events.count() == 1 and events.get().changes["created"] == 940
    assert not job.file  # the upload is discarded once imported


@pytest.fixture
def existing(rep, other_rep):
    own = create_customer(
        actor=rep, data={"name": "杭州云帆科技有限公司", "phone": "0571-88886666", "industry": "it", "level": "C"}
    )
    theirs = create_customer(
        actor=other_rep, data={"name": "上海星河贸易有限公司", "phone": "021-55556666", "level": "C"}
    )
    return {"own": own, "theirs": theirs}


def policy_file():
    return csv_upload(
        [
            ["客户名称", "电话", "级别", "备注", "邮箱"],
            ["杭州云帆科技", "", "重要客户", "新备注", "info@yunfan.cn"],  # similar name to the rep's customer
            ["上海星河贸易有限公司", "", "B", "", ""],  # the other department's customer, same name
            ["北京新锐软件有限公司", "010-12345678", "", "", ""],  # new
        ]
    )


def test_skip_leaves_duplicates_alone_and_creates_the_rest(rep, existing, django_capture_on_commit_callbacks):
    job = run(rep, preview(rep, policy_file(), policy="skip"), django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 0, 2)
    existing["own"].refresh_from_db()
    assert existing["own"].level == "C" and existing["own"].remark == ""
    assert Customer.objects.filter(name="北京新锐软件有限公司", owner=rep).exists()


def test_update_changes_only_customers_the_importer_may_edit(rep, existing, django_capture_on_commit_callbacks):
    job = preview(rep, policy_file(), policy="update")
    issues = {issue["row"]: issue for issue in job.issues}
    assert issues[2]["action"] == "update" and "similar name" in issues[2]["duplicate_of"]
    assert issues[3]["action"] == "skip" and issues[3]["duplicate_of"] == "A customer you cannot see"
    # nothing about the hidden customer leaks into the preview beyond "a customer you cannot see"
    assert all("上海星河" not in str({**issue, "cells": []}) and "021" not in str(issue) for issue in job.issues)

    job = run(rep, job, django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 1)
    own, theirs = existing["own"], existing["theirs"]
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert (own.name, own.level, own.remark, own.email) == ("杭州云帆科技有限公司", "A", "新备注", "info@yunfan.cn")
    assert own.industry == "it" and own.phone == "057188886666"  # empty cells change nothing
    assert find_matches(Customer.objects.visible_to(rep), "info@yunfan.cn", 5, user=rep) == [own.pk]  # indexed
    assert theirs.level == "C"
    change = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_id=str(own.pk))
    assert change.changes["level"] == ["C", "A"]


def test_create_anyway_creates_duplicates_too(rep, existing, django_capture_on_commit_callbacks):
    job = run(rep, preview(rep, policy_file(), policy="create"), django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count, job.duplicate_count) == (3, 0, 2)
    assert Customer.objects.filter(name="上海星河贸易有限公司").count() == 2


def test_a_customer_that_changed_hands_after_the_preview_is_skipped_not_updated(
    rep, other_rep, existing, django_capture_on_commit_callbacks
):
    job = preview(rep, policy_file(), policy="update")
    Customer.objects.filter(pk=existing["own"].pk).update(owner=other_rep, department=other_rep.department)
    job = run(rep, job, django_capture_on_commit_callbacks)
    existing["own"].refresh_from_db()
    assert existing["own"].level == "C" and job.updated_count == 0


def test_contact_mobiles_and_emails_are_matched_through_their_blind_index(rep, other_rep):
    customer = create_customer(actor=other_rep, data={"name": "深圳华信电子有限公司"})
    create_contact(
        actor=other_rep,
        customer=customer,
        data={"name": "王芳", "mobile": "13912345678", "email": "Wang.Fang@HuaXin.cn"},
    )
    job = preview(
        rep,
        csv_upload(
            [
                ["客户名称", "电话", "联系人", "手机", "联系人邮箱"],
                ["某某公司甲", "+86 139-1234-5678", "", "", ""],  # the customer phone is the contact's mobile
                ["某某公司乙", "", "张三", "", "wang.fang@huaxin.cn"],
                ["某某公司丙", "", "李四", "13900001111", ""],
            ]
        ),
    )
    assert rows_by_action(job) == {"skip": {2, 3}}
    assert all(issue["duplicate_of"] == "A customer you cannot see" for issue in job.issues)


def test_rows_duplicating_each_other_in_the_file_keep_the_first(rep):
    job = preview(
        rep,
        csv_upload(
            [
                ["客户名称", "邮箱"],
                ["广州启明教育科技有限公司", "a@qiming.cn"],
                ["广州启明教育科技", "b@qiming.cn"],  # same company, without the legal form
                ["另一家公司", "A@QIMING.CN"],  # same e-mail as row 2
            ]
        ),
    )
    assert rows_by_action(job) == {"skip": {3, 4}}
    assert job.issues[0]["duplicate_of"] == "Row 2 of this file"


def test_owner_by_user_name_or_employee_number_needs_the_assign_right(
    rep, manager, other_rep, django_capture_on_commit_callbacks
):
    upload = [["客户名称", "负责人"], ["甲公司", "sales2"], ["乙公司", "E0121"], ["丙公司", ""], ["丁公司", "nobody"]]
    job = preview(rep, csv_upload(upload))
    messages = {issue["row"]: " ".join(issue["messages"]) for issue in job.issues}
    assert set(messages) == {2, 3, 5}
    assert "may not assign" in messages[2] and "nobody" in messages[5]

    job = run(manager, preview(manager, csv_upload(upload)), django_capture_on_commit_callbacks)
    assert job.created_count == 3
    assert Customer.objects.get(name="甲公司").owner == other_rep
    assert Customer.objects.get(name="乙公司").department == other_rep.department
    assert Customer.objects.get(name="丙公司").owner == manager


def test_kinds_dictionaries_and_tags_by_name(rep, django_capture_on_commit_callbacks):
    Tag.objects.create(name="重点客户")
    job = run(
        rep,
        preview(
            rep,
            xlsx_upload(
                [
                    ["Customer name", "Type", "Source", "Level", "Tags", "Mobile", "Contact"],
                    ["王小明", "个人", "展会", "Key account", "重点客户，展会2026", 13800138000, "王小明"],
                    ["Acme Ltd", "company", "referral", "b", "", None, None],
                    ["坏类型", "合伙", "", "", "", None, None],
                ]
            ),
        ),
        django_capture_on_commit_callbacks,
    )
    assert rows_by_action(job) == {"error": {4}}
    person = Customer.objects.get(name="王小明")
    assert (person.kind, person.source, person.level) == ("individual", "exhibition", "A")
    assert sorted(person.tags.values_list("name", flat=True)) == ["展会2026", "重点客户"]
    assert person.contacts.get().mobile == "13800138000"  # an Excel number cell, not 1.38E+10
    assert Customer.objects.get(name="Acme Ltd").level == "B"


def test_field_rules_apply_to_imports(rep):
    from crm.accounts.models import Role
    from crm.core.errors import DomainError
    from crm.imports import services

    Role.objects.filter(code="sales_rep").update(denied_edit_fields=["customers.customer.level"])
    rep.refresh_from_db()
    job = services.start_import(actor=rep, entity="customers", upload=csv_upload([["客户名称", "级别"], ["甲", "A"]]))
    with pytest.raises(DomainError, match="may not set"):
        services.set_mapping(actor=rep, job=job, mapping=job.mapping, duplicate_policy="skip")


def test_an_import_that_fails_half_way_writes_nothing(rep, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(writes, "WRITE_BATCH", 10)
    calls = []
    insert_batch = writes.insert_batch

    def crash_on_the_third_batch(actor, batch, *rest):
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return insert_batch(actor, batch, *rest)

    monkeypatch.setattr(writes, "insert_batch", crash_on_the_third_batch)
    rows = [["客户名称", "手机", "联系人"]] + [[f"半途公司{i}", f"1370000{i:04d}", f"人{i}"] for i in range(50)]
    job = run(rep, preview(rep, csv_upload(rows)), django_capture_on_commit_callbacks)
    assert len(calls) == 3
    assert job.status == "failed" and "internal error" in job.message
    assert not Customer.objects.filter(name__startswith="半途公司").exists()
    assert not Contact.objects.filter(name__startswith="人").exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists()


def test_a_duplicate_created_after_the_preview_is_still_caught_by_the_run(
    rep, other_rep, django_capture_on_commit_callbacks
):
    from crm.customers.services import update_contact

    old = create_customer(actor=rep, data={"name": "老客户公司"})
    old_contact = create_contact(actor=rep, customer=old, data={"name": "钱七", "mobile": "13700000000"})
    # last touched long before the preview: only the audit trail tells its contact changed
    Customer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    # Given a previewed file of three new customers
    job = preview(
        rep,
        csv_upload(
            [
                ["客户名称", "电话", "手机", "联系人"],
                ["甲新公司", "0571-11112222", "", ""],
                ["乙新公司", "", "13911112222", "王五"],
                ["戊新公司", "", "13922223333", "孙八"],
            ]
        ),
    )
    assert job.created_count == 3 and not job.issues
    # When, before the run, someone else creates the first one, a new contact gets the second one's mobile
    # and an existing contact is changed to the third one's
    create_customer(actor=other_rep, data={"name": "别的名字", "phone": "057111112222"})
    holder = create_customer(actor=rep, data={"name": "丙公司"})
    create_contact(actor=rep, customer=holder, data={"name": "赵六", "mobile": "139 1111 2222"})
    update_contact(actor=rep, contact=old_contact, data={"mobile": "13922223333"})
    job = run(rep, job, django_capture_on_commit_callbacks)
    # Then all three are skipped as duplicates, with the reason, and nothing was created
    assert (job.created_count, job.skipped_count) == (0, 3)
    issues = {issue["row"]: issue for issue in job.issues}
    assert issues[2]["duplicate_of"] == "A customer you cannot see" and issues[2]["cells"][0] == "甲新公司"
    assert issues[3]["duplicate_of"].startswith("丙公司") and "after the preview" in issues[3]["messages"][0]
    assert issues[4]["duplicate_of"].startswith("老客户公司")
    assert not Customer.objects.filter(name__in=["甲新公司", "乙新公司", "戊新公司"]).exists()


def test_the_run_checks_everything_again_when_a_dictionary_changed_since_the_preview(
    rep, django_capture_on_commit_callbacks
):
    from crm.system.models import DictionaryItem

    job = preview(rep, csv_upload([["客户名称", "行业"], ["丁公司", "信息技术"]]))
    assert job.created_count == 1
    DictionaryItem.objects.filter(kind="industry", code="it").update(is_active=False)
    job = run(rep, job, django_capture_on_commit_callbacks)
    assert (job.created_count, job.error_count) == (0, 1)
    assert not Customer.objects.filter(name="丁公司").exists()


def test_imported_customers_and_contacts_are_found_by_global_search(rep, django_capture_on_commit_callbacks):
    from crm.core.fulltext import find_matches

    rows = [["客户名称", "联系人"], ["宁波海曙云帆贸易有限公司", "欧阳娜娜"], ["温州鹿城星火电子有限公司", ""]]
    run(rep, preview(rep, csv_upload(rows)), django_capture_on_commit_callbacks)
    customers = Customer.objects.visible_to(rep, "view")
    found = find_matches(customers, "云帆", 5, user=rep)
    assert [Customer.objects.get(pk=pk).name for pk in found] == ["宁波海曙云帆贸易有限公司"]
    assert find_matches(customers, "wzlc", 5, user=rep) == [Customer.objects.get(name="温州鹿城星火电子有限公司").pk]
    contacts = Contact.objects.visible_to(rep, "view")
    assert find_matches(contacts, "ouyang", 5, user=rep) == [Contact.objects.get(name="欧阳娜娜").pk]


def test_imported_customers_get_numbers_from_the_sequence_and_are_found_by_them(
    rep, admin_user, django_capture_on_commit_callbacks
):
    from crm.core.fulltext import find_matches
    from crm.customers.services import create_customer

    before = create_customer(actor=admin_user, data={"name": "先建的客户"}).number
    rows = [["客户名称"], ["宁波海曙云帆贸易有限公司"], ["温州鹿城星火电子有限公司"]]
    run(rep, preview(rep, csv_upload(rows)), django_capture_on_commit_callbacks)
    imported = list(Customer.objects.filter(name__in=[r[0] for r in rows[1:]]).order_by("pk"))
    numbers = [customer.number for customer in imported]
    prefix, counter = before.rsplit("-", 1)
    assert numbers == [f"{prefix}-{int(counter) + n:06d}" for n in (1, 2)]
    after = create_customer(actor=admin_user, data={"name": "后建的客户"}).number
    assert after == f"{prefix}-{int(counter) + 3:06d}"  # the sequence went on from the import's block
    assert find_matches(Customer.objects.visible_to(rep), numbers[1], 5, user=rep) == [imported[1].pk]


def test_each_imported_customer_and_contact_gets_the_create_row_a_single_creation_writes(
    rep, django_capture_on_commit_callbacks
):
    from crm.customers.timeline import field_changes

    # Given a row with tags and a contact, imported; and the same customer created by hand
    rows = [["客户名称", "级别", "标签", "联系人", "手机"],
            ["杭州导入审计有限公司", "A", "重点客户, 展会2026", "周九", "13712345678"]]
    run(rep, preview(rep, csv_upload(rows)), django_capture_on_commit_callbacks)
    imported = Customer.objects.get(name="杭州导入审计有限公司")
    by_hand = create_customer(
        actor=rep, data={"name": "杭州导入审计有限公司", "level": "A", "tags": ["重点客户", "展会2026"]}
    )
    contact = create_contact(
        actor=rep, customer=by_hand, data={"name": "周九", "mobile": "13712345678", "is_primary": True}
    )

    def create_row(instance):
        event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(instance.pk),
                                       content_type__model=instance._meta.model_name)
        # Each has a number of its own (and so its own search text): the rest of the row must be equal.
        return ({**event.changes, "id": None, "customer": None, "number": None, "search_text": None},
                event.actor_name, event.object_repr)

    # Then both have the same derived columns (one fill_derived() for save() and the bulk write)
    by_hand.refresh_from_db()
    assert imported.number != by_hand.number
    assert imported.name_key == by_hand.name_key
    assert imported.search_text.replace(imported.number.lower(), "") == by_hand.search_text.replace(
        by_hand.number.lower(), "")
    derived = ("mobile", "mobile_index", "email_index", "id_number_index", "search_text")
    assert [getattr(imported.contacts.get(), n) for n in derived] == [getattr(contact, n) for n in derived]
    # and the import wrote the same create rows, for the customer and for its contact
    assert create_row(imported) == create_row(by_hand)
    assert create_row(imported.contacts.get()) == create_row(contact)
    # and the imported customer's timeline starts with its creation
    assert [entry.title for entry in field_changes(imported, rep, None, 10)] == ["Created"]


def test_an_owner_named_by_a_display_name_two_users_share_is_refused(rep, manager, other_rep):
    from crm.accounts.models import User

    User.objects.filter(pk=manager.pk).update(name=other_rep.name)
    job = preview(manager, csv_upload([["客户名称", "负责人"], ["甲公司", other_rep.name], ["乙公司", "sales2"]]))
    assert rows_by_action(job) == {"error": {2}}
    assert "Several users" in job.issues[0]["messages"][0]


def test_an_update_naming_the_current_owner_needs_no_assign_right(rep, other_rep, django_capture_on_commit_callbacks):
    # A rep's customer exported with its owner's display name, re-imported by the same rep: no assignment
    own = create_customer(actor=rep, data={"name": "自己的客户有限公司", "level": "C"})
    job = preview(rep, csv_upload([["客户名称", "负责人", "级别"], ["自己的客户有限公司", str(rep), "B"],
                                   ["别人的新客户", str(other_rep), ""]]), policy="update")
    assert rows_by_action(job) == {"update": {2}, "error": {3}}
    run(rep, job, django_capture_on_commit_callbacks)
    own.refresh_from_db()
    assert (own.level, own.owner) == ("B", rep)
