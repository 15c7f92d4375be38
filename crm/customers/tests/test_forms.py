"""The customer and contact forms: inline validation through the form's own view (errors answered, nothing ever
saved, data scope as for a save), the possible-duplicates warning while a customer is created (only what the user
may see, never a phone the role may not read), and what every form is dressed with (date pickers, searchable long
picklists, required markers)."""

import pytest
from django.urls import reverse

from crm.audit.models import AuditEvent
from crm.customers.models import Contact, Customer
from crm.customers.services import create_contact, create_customer

pytestmark = pytest.mark.django_db

VALIDATE = "?validate=1"


def validate(client, url: str, data: dict):
    return client.post(url + VALIDATE, data)


# --- Inline validation ------------------------------------------------------------------------------------------


def test_a_validation_call_answers_the_fields_errors_and_creates_nothing(client_for, rep):
    # Given a rep on the new-customer form, who typed an e-mail that is none and left the name empty
    client = client_for(rep)
    customers, events = Customer.all_objects.count(), AuditEvent.objects.count()
    # When the form is checked as a field loses focus
    response = validate(client, reverse("customers:create"), {"name": "", "email": "not-an-address", "kind": "company"})
    # Then the answer names each field's error, as a save would
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    result = response.json()
    assert result["valid"] is False
    assert set(result["fields"]) >= {"name", "email"}
    assert all(isinstance(message, str) and message for message in result["fields"]["email"])
    # And nothing was written
    assert (Customer.all_objects.count(), AuditEvent.objects.count()) == (customers, events)


def test_a_valid_form_checked_is_still_not_saved(client_for, rep):
    client = client_for(rep)  # (signing in writes its own audit row)
    events = AuditEvent.objects.count()
    response = validate(client, reverse("customers:create"),
                        {"name": "校验不保存科技有限公司", "kind": "company", "owner": rep.pk})
    assert response.json() == {"valid": True, "fields": {}, "form": []}
    assert not Customer.all_objects.filter(name="校验不保存科技有限公司").exists()
    assert AuditEvent.objects.count() == events


def test_checking_an_edit_form_changes_nothing_and_takes_no_version(client_for, rep):
    # Given a rep's customer, open in the edit form
    customer = create_customer(actor=rep, data={"name": "西溪文创", "city": "杭州"})
    before = Customer.objects.get(pk=customer.pk)
    client = client_for(rep)
    events = AuditEvent.objects.count()
    url = reverse("customers:edit", args=[customer.pk])
    # When the form is checked with a changed city and a bad e-mail, then with only the changed city
    bad = validate(client, url, {"name": "西溪文创", "kind": "company", "city": "宁波", "email": "x@",
                                          "owner": rep.pk, "version": before.version})
    good = validate(client, url, {"name": "西溪文创", "kind": "company", "city": "宁波", "owner": rep.pk,
                                           "version": before.version})
    # Then the first names the e-mail, the second nothing, and the customer is as it was
    assert list(bad.json()["fields"]) == ["email"]
    assert good.json()["valid"] is True
    after = Customer.objects.get(pk=customer.pk)
    assert (after.city, after.version, after.updated_at) == ("杭州", before.version, before.updated_at)
    assert AuditEvent.objects.count() == events


def test_checking_an_edit_form_takes_no_row_lock(client_for, rep, monkeypatch):
    """A save locks the record (VersionedUpdateMixin); a check, which writes nothing, must not hold writers up."""
    customer = create_customer(actor=rep, data={"name": "不加锁公司"})
    locked = []
    monkeypatch.setattr("crm.core.views.lock_for_update", locked.append)
    url = reverse("customers:edit", args=[customer.pk])
    data = {"name": "不加锁公司", "kind": "company", "owner": rep.pk, "version": customer.version}
    client = client_for(rep)
    assert validate(client, url, data).json()["valid"] is True
    assert locked == []
    client.post(url, data)
    assert {record.pk for record in locked} == {customer.pk}  # (the save reads it again for the service)


def test_a_stale_edit_form_checked_says_so_without_saving(client_for, rep, manager):
    customer = create_customer(actor=rep, data={"name": "西溪文创"})
    opened = Customer.objects.get(pk=customer.pk).version
    saved = {"name": "西溪文创", "kind": "company", "city": "宁波", "owner": rep.pk, "version": opened}
    client_for(manager).post(reverse("customers:edit", args=[customer.pk]), saved)
    result = validate(client_for(rep), reverse("customers:edit", args=[customer.pk]),
                      {"name": "西溪文创", "kind": "company", "owner": rep.pk, "version": opened}).json()
    assert result["valid"] is False and result["form"]
    assert Customer.objects.get(pk=customer.pk).city == "宁波"


def test_validation_keeps_the_data_scope_of_a_save(client_for, rep, other_rep):
    # Another rep's customer cannot be checked any more than saved: the same 404
    theirs = create_customer(actor=other_rep, data={"name": "别人的客户"})
    response = validate(client_for(rep), reverse("customers:edit", args=[theirs.pk]), {"name": "x"})
    assert response.status_code == 404
    response = validate(client_for(rep), reverse("customers:contact_create", args=[theirs.pk]), {"name": "x"})
    assert response.status_code == 404


def test_a_contact_form_checked_names_its_errors_and_adds_no_contact(client_for, rep):
    customer = create_customer(actor=rep, data={"name": "联系人校验公司"})
    response = validate(client_for(rep), reverse("customers:contact_create", args=[customer.pk]),
                        {"name": "王伟", "mobile": "12", "birthday": "not a date"})
    fields = response.json()["fields"]
    assert {"mobile", "birthday"} <= set(fields)
    assert not Contact.objects.filter(customer=customer).exists()


def test_the_follow_up_form_checked_logs_nothing(client_for, rep):
    from crm.customers.models import Activity

    customer = create_customer(actor=rep, data={"name": "跟进校验公司"})
    url = reverse("customers:activity_create", args=[customer.pk])
    bad = validate(client_for(rep), url, {"kind": "call", "subject": "", "next_follow_up_at": "soon"}).json()
    good = validate(client_for(rep), url, {"kind": "call", "subject": "电话沟通"}).json()
    assert {"subject", "next_follow_up_at"} <= set(bad["fields"]) and good["valid"] is True
    assert not Activity.objects.filter(customer=customer).exists()


@pytest.mark.parametrize("data", [
    {"name": "x" * 5000, "owner": "'; DROP TABLE", "first_order_at": "2026-02-31", "collaborators": ["a", "-1"]},
    {"name": "\x00\ufffd", "kind": "spaceship", "phone": "☎" * 300, "email": "@" * 400, "version": "abc"},
    {},
])
def test_garbage_checked_answers_errors_not_a_500(client_for, rep, data):
    customer = create_customer(actor=rep, data={"name": "垃圾输入测试"})
    for url in (reverse("customers:create"), reverse("customers:edit", args=[customer.pk])):
        response = validate(client_for(rep), url, data)
        assert response.status_code == 200, url
        assert response.json()["valid"] is False
    assert Customer.objects.get(pk=customer.pk).name == "垃圾输入测试"


def test_a_plain_post_still_saves(client_for, rep):
    """?validate=1 is the only door to the check: the same post without it creates the customer."""
    client_for(rep).post(reverse("customers:create"), {"name": "照常保存有限公司", "kind": "company", "owner": rep.pk})
    assert Customer.objects.filter(name="照常保存有限公司").exists()


# --- The possible-duplicates warning ----------------------------------------------------------------------------


def possible(client, **typed) -> str:
    response = client.post(reverse("customers:possible_duplicates"), typed)
    assert response.status_code == 200
    return response.content.decode()


def test_a_rep_is_warned_of_their_own_look_alike_by_name(client_for, rep):
    mine = create_customer(actor=rep, data={"name": "杭州云帆科技有限公司"})
    # (typed without the company form 有限公司: the same name key)
    html = possible(client_for(rep), name="杭州云帆科技")
    assert f'href="/customers/{mine.pk}/"' in html and "杭州云帆科技有限公司" in html


def test_a_rep_is_not_shown_another_reps_look_alike_only_counted(client_for, rep, other_rep):
    # Given another rep's customer with the name the rep is typing
    create_customer(actor=other_rep, data={"name": "宁波海天贸易有限公司", "phone": "0574-88886666"})
    # When the rep types it, or its phone
    by_name = possible(client_for(rep), name="宁波海天贸易")
    by_phone = possible(client_for(rep), phone="0574 8888 6666")
    # Then neither the name nor its owner shows, only that one more exists outside their scope
    for html in (by_name, by_phone):
        assert "海天" not in html and other_rep.name not in html and "/customers/" not in html
        assert 'id="possible-duplicates-outside"' in html


def test_a_manager_sees_the_teams_look_alikes(client_for, manager, other_rep):
    theirs = create_customer(actor=other_rep, data={"name": "宁波海天贸易有限公司"})
    html = possible(client_for(manager), name="宁波海天贸易")
    assert f'href="/customers/{theirs.pk}/"' in html and "possible-duplicates-outside" not in html


def test_matching_by_phone_and_email_never_prints_the_value(client_for, rep):
    mine = create_customer(actor=rep, data={"name": "电话匹配公司", "phone": "13912345678",
                                            "email": "buyer@yunfan.cn"})
    html = possible(client_for(rep), phone="139-1234-5678", email="Buyer@Yunfan.cn")
    assert f'href="/customers/{mine.pk}/"' in html
    assert "1234" not in html and "5678" not in html and "buyer@" not in html.lower()


def test_a_role_that_may_not_read_phones_learns_nothing_by_typing_one(client_for, org):
    # Given marketing, whose role may not read a customer's phone or e-mail, and their own customer with both
    marketing = org["marketing1"]
    create_customer(actor=org["admin"], data={"name": "市场部的客户", "phone": "13912345678",
                                              "email": "quokka@example.cn", "owner": marketing})
    create_customer(actor=org["sales2"], data={"name": "别部门客户", "phone": "13912345678"})
    # When they type that phone or e-mail on the new-customer form
    html = possible(client_for(marketing), phone="13912345678", email="quokka@example.cn")
    # Then nothing matches: not their own customer (whose phone they may not read), not a count elsewhere
    assert html.strip() == ""
    # And the form itself offers no phone or e-mail field to type into
    form = client_for(marketing).get(reverse("customers:create")).content.decode()
    assert 'name="phone"' not in form and 'from:#id_phone' not in form


def test_the_warning_needs_the_create_permission_and_a_post(client_for, org):
    assert client_for(org["support1"]).get(reverse("customers:possible_duplicates")).status_code in (403, 405)
    assert possible(client_for(org["sales1"]), name="", phone="not a phone", email="nope").strip() == ""


def test_garbage_typed_for_the_warning_is_no_500(client_for, rep):
    for typed in ({"name": "\x00" * 3000}, {"phone": "+" * 500}, {"email": "@@@" * 300}, {"name": "%_%"}):
        possible(client_for(rep), **typed)


def test_deleted_customers_are_no_duplicates(client_for, admin_user):
    from crm.customers.services import delete_customer

    gone = create_customer(actor=admin_user, data={"name": "回收站里的公司"})
    delete_customer(actor=admin_user, customer=gone)
    assert possible(client_for(admin_user), name="回收站里的公司").strip() == ""


# --- What every form is dressed with -----------------------------------------------------------------------------


def test_the_customer_form_marks_required_fields_dates_and_long_picklists(client_for, admin_user):
    html = client_for(admin_user).get(reverse("customers:create")).content.decode()
    # Required: the attribute for the browser and screen readers, the marker for the eye
    assert 'name="name"' in html and 'aria-required="true"' in html
    assert 'class="crm-required"' in html
    # Dates are the browser's date picker
    assert 'type="date" name="first_order_at"' in html
    # The owner (every active user of the demo organisation) is a long picklist: searchable
    assert 'name="owner"' in html
    owner_tag = html[html.index('<select name="owner"'):]
    assert "data-searchable" in owner_tag[:owner_tag.index(">")]
    # The possible-duplicates warning is wired to the name, phone and e-mail
    assert 'hx-post="/customers/duplicates/possible/"' in html and "from:#id_phone" in html


def test_the_contact_form_shows_dates_and_times_as_pickers(client_for, rep):
    customer = create_customer(actor=rep, data={"name": "日期控件公司"})
    contact = create_contact(actor=rep, customer=customer, data={"name": "王伟"})
    html = client_for(rep).get(reverse("customers:contact_edit", args=[contact.pk])).content.decode()
    assert 'type="date" name="birthday"' in html and 'type="datetime-local" name="consent_at"' in html
    assert 'data-validate' in html


@pytest.mark.parametrize("username", ["sales1", "manager", "admin"])
def test_every_statement_of_the_warning_reads_an_index_and_sorts_nothing(org, username):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.customers.services.merge import find_possible_duplicates
    from crm.customers.tests.test_duplicates_plan import assert_indexed

    create_customer(actor=org["sales1"], data={"name": "西湖科技", "phone": "0571-88886666", "email": "a@xh.cn"})
    create_customer(actor=org["sales2"], data={"name": "西湖科技有限公司", "phone": "0571-88886666"})
    user = org[username]
    typed = {"name": "西湖科技", "phone": "0571 8888 6666", "email": "A@xh.cn"}
    find_possible_duplicates(user, **typed)  # the user's roles and department tree, read once and cached
    with CaptureQueriesContext(connection) as captured:
        found = find_possible_duplicates(user, **typed)
    assert len(found.matches) + found.outside_scope == 2
    statements = [q["sql"] for q in captured.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    assert len(statements) == 4  # one per key, and the count outside the scope
    for sql in statements:
        assert_indexed(sql)
