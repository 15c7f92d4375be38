"""Duplicate finder and merge: groups by each reason, only within the user's scope; a merge moves every related
record to the survivor, keeps the history, is audited, and the merged customer's address leads to the survivor."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.errors import DomainError
from crm.customers.models import Activity, Contact, Customer, PoolMovement, Tag
from crm.customers.services import create_contact, create_customer, log_activity
from crm.customers.services.merge import (
    find_duplicate_groups,
    find_duplicates_of,
    merge_customers,
    survivor_of,
)

pytestmark = pytest.mark.django_db


def customer(user, name, **fields):
    return create_customer(actor=user, data={"name": name, **fields})


def group_ids(user, reason, **kwargs) -> list[set[int]]:
    return [{c.pk for c in group.customers} for group in find_duplicate_groups(user, reason, **kwargs).groups]


# --- Finding ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["name", "phone", "email", "contact_mobile", "contact_email"])
def test_customers_sharing_a_key_form_a_group_for_that_reason(manager, rep, other_rep, reason):
    # Given two customers of two reps (both in the manager's tree) that share exactly one thing
    first = {
        "name": ("西湖科技有限公司", "西湖科技"),
        "phone": ("0571-88886666", "+86 571 8888 6666"),
        "email": ("Info@XiHu.cn", "info@xihu.cn"),
    }.get(reason, ("甲公司", "乙公司"))
    extra_a = {"phone": {"phone": first[0]}, "email": {"email": first[0]}}.get(reason, {})
    extra_b = {"phone": {"phone": first[1]}, "email": {"email": first[1]}}.get(reason, {})
    a = customer(rep, first[0] if reason == "name" else "甲公司", **extra_a)
    b = customer(other_rep, first[1] if reason == "name" else "乙公司", **extra_b)
    customer(rep, "毫不相干的公司")
    if reason.startswith("contact_"):
        value = {
            "contact_mobile": ("mobile", "138 0013 8000", "+8613800138000"),
            "contact_email": ("email", "ZS@a.cn", "zs@a.cn"),
        }[reason]
        create_contact(actor=rep, customer=a, data={"name": "张三", value[0]: value[1]})
        create_contact(actor=other_rep, customer=b, data={"name": "张三丰", value[0]: value[2]})
    # Then the manager finds them as one group for that reason, and no other customer joins it
    page = find_duplicate_groups(manager, reason)
    assert [{c.pk for c in g.customers} for g in page.groups] == [{a.pk, b.pk}]
    assert page.groups[0].size == 2 and page.next_after is None
    # And each one's panel lists the other with the reason
    matches = find_duplicates_of(manager, a)
    assert [(m.customer.pk, reason in m.reasons) for m in matches] == [(b.pk, True)]


def test_contact_groups_show_the_masked_value_never_the_blind_index(manager, rep):
    a, b = customer(rep, "甲公司"), customer(rep, "乙公司")
    for c in (a, b):
        create_contact(actor=rep, customer=c, data={"name": "张三", "mobile": "13800138000"})
    group = find_duplicate_groups(manager, "contact_mobile").groups[0]
    assert group.label == "138****8000"


def test_groups_page_by_key(manager, rep):
    for name in ("甲", "乙", "丙"):
        customer(rep, f"{name}科技有限公司")
        customer(rep, f"{name}科技")
    first = find_duplicate_groups(manager, "name", limit=2)
    assert len(first.groups) == 2 and first.next_after
    second = find_duplicate_groups(manager, "name", after=first.next_after, limit=2)
    assert len(second.groups) == 1 and second.next_after is None
    seen = {g.key for g in first.groups} | {g.key for g in second.groups}
    assert len(seen) == 3


def test_a_page_stops_at_its_scan_budget_and_goes_on_from_there(monkeypatch, rep, other_rep):
    # Given two groups the rep cannot see (another rep's) before, in key order, one of their own
    for name in ("甲", "乙"):
        customer(other_rep, f"{name}科技有限公司")
        customer(other_rep, f"{name}科技")
    mine = {customer(rep, "丙科技有限公司").pk, customer(rep, "丙科技").pk}
    # (in the database's order: its collation decides how the index sorts the keys)
    keys = list(dict.fromkeys(Customer.objects.order_by("name_key").values_list("name_key", flat=True)))
    # When each request may read only one index entry (and the rows sharing its key), the pages walk the keys
    # one by one
    monkeypatch.setattr("crm.customers.services.merge.FIRST_CHUNK", 1)
    monkeypatch.setattr("crm.customers.services.merge.SCAN_BUDGET", 1)
    seen, after = [], ""
    for _ in range(len(keys) + 2):
        page = find_duplicate_groups(rep, "name", after=after)
        seen.append([{c.pk for c in g.customers} for g in page.groups])
        if page.next_after is None:
            break
        after = page.next_after
    # Then only the rep's own group ever shows, on the page of its key, and the paging ends after the last key
    # (the page reading it does not know yet that it is the last)
    assert len(seen) == len(keys) + 1
    assert seen[keys.index("丙科技")] == [mine]
    assert [groups for groups in seen if groups] == [[mine]]
    assert page.next_after is None


def test_a_rep_never_sees_a_group_with_a_customer_outside_their_scope(rep, other_rep):
    mine = customer(rep, "西湖科技")
    customer(other_rep, "西湖科技有限公司")
    assert find_duplicate_groups(rep, "name").groups == []
    assert find_duplicates_of(rep, mine) == []


def test_deleted_customers_are_not_duplicates(manager, rep):
    a = customer(rep, "西湖科技")
    customer(rep, "西湖科技有限公司")
    Customer.objects.filter(pk=a.pk).update(deleted_at=timezone.now())
    assert find_duplicate_groups(manager, "name").groups == []


def test_unknown_reason_is_a_domain_error(manager):
    with pytest.raises(DomainError):
        find_duplicate_groups(manager, "colour")


def test_a_role_denied_the_phone_cannot_group_by_it(org):
    marketing = org["marketing1"]  # the demo marketing role may not read customer phone and e-mail
    with pytest.raises(DomainError):
        find_duplicate_groups(marketing, "phone")


# --- Merging ----------------------------------------------------------------------------------------------


@pytest.fixture
def pair(rep, other_rep, manager):
    """Two records of one company, one per rep, each with a contact, a follow-up, a tag and a pool movement."""
    vip, fair = Tag.objects.create(name="重点客户"), Tag.objects.create(name="展会2026")
    survivor = create_customer(
        actor=rep, data={"name": "杭州西湖科技有限公司", "phone": "0571-88886666", "tags": [vip]}
    )
    other = create_customer(
        actor=other_rep,
        data={
            "name": "西湖科技",
            "email": "info@xihu.cn",
            "level": "A",
            "tags": [vip, fair],
            "collaborators": [manager],
        },
    )
    create_contact(actor=rep, customer=survivor, data={"name": "张三", "is_primary": True})
    create_contact(actor=other_rep, customer=other, data={"name": "李四", "is_primary": True})
    now = timezone.now()
    log_activity(
        actor=rep,
        customer=survivor,
        data={"kind": "call", "subject": "旧电话", "occurred_at": now - dt.timedelta(days=10)},
    )
    log_activity(
        actor=other_rep,
        customer=other,
        data={
            "kind": "visit",
            "subject": "新拜访",
            "occurred_at": now - dt.timedelta(days=1),
            "next_follow_up_at": now + dt.timedelta(days=3),
        },
    )
    PoolMovement.objects.create(customer=other, action=PoolMovement.Action.CLAIMED, actor=other_rep)
    return survivor, other


def test_merge_moves_every_related_record_and_keeps_the_history(manager, other_rep, pair):
    survivor, other = pair
    result = merge_customers(actor=manager, survivor=survivor, others=[other], field_choices={"email": other.pk})

    # Every related record now belongs to the survivor
    assert sorted(survivor.contacts.values_list("name", flat=True)) == ["张三", "李四"]
    assert sorted(Activity.objects.filter(customer=survivor).values_list("subject", flat=True)) == ["新拜访", "旧电话"]
    assert PoolMovement.objects.filter(customer=survivor).count() == 1
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["展会2026", "重点客户"]
    # the merged customer's collaborators come along, and its owner becomes one, keeping access to their work
    assert set(survivor.collaborators.all()) == {manager, other_rep}
    assert not Contact.objects.filter(customer=other).exists() and not other.tags.exists()
    # only one primary contact: the survivor's own
    assert list(survivor.contacts.filter(is_primary=True).values_list("name", flat=True)) == ["张三"]
    assert result.moved["customers.contact"] == 1 and result.moved["customers.activity"] == 1

    # The chosen value was taken, the rest kept; follow-up dates come from the newest follow-up
    survivor.refresh_from_db()
    assert survivor.email == "info@xihu.cn" and survivor.phone == "057188886666" and survivor.level == ""
    newest = Activity.objects.get(subject="新拜访")
    assert survivor.last_follow_up_at == newest.occurred_at
    assert survivor.next_follow_up_at == newest.next_follow_up_at

    # The merged customer is soft-deleted, pointing at the survivor, out of every list
    gone = Customer.all_objects.get(pk=other.pk)
    assert gone.deleted_at and gone.merged_into_id == survivor.pk and gone.deleted_by == manager
    assert not Customer.objects.filter(pk=other.pk).exists()

    # Both sides have a MERGE audit row saying what moved
    customer_type = ContentType.objects.get_for_model(Customer)
    into = AuditEvent.objects.get(action="merge", content_type=customer_type, object_id=str(survivor.pk))
    assert into.actor == manager and into.changes["merged"] == [{"id": other.pk, "name": "西湖科技"}]
    assert into.changes["moved"]["customers.contact"] == 1 and into.changes["moved"]["customers.customer.tags"] == 1
    assert into.changes["fields"]["email"] == ["", "info@xihu.cn"]
    away = AuditEvent.objects.get(action="merge", content_type=customer_type, object_id=str(other.pk))
    assert away.changes["merged_into"]["id"] == survivor.pk
    assert away.changes["moved"] == {
        "customers.contact": 1,
        "customers.activity": 1,
        "customers.poolmovement": 1,
        "customers.customer.tags": 2,
        "customers.customer.collaborators": 1,
    }
    # the merged customer's own history stays where it was
    assert AuditEvent.objects.filter(action="create", content_type=customer_type, object_id=str(other.pk)).exists()


def test_a_record_of_another_module_moves_too_with_no_edit_to_the_merge(manager, other_rep, pair):
    """The care log (crm.care) points at customers with related_name="+" and was written after the merge:
    it moves all the same, because the merge walks Customer's relations instead of naming them."""
    if not apps.is_installed("crm.care"):
        pytest.skip("the care module is not installed")
    care_plan, care_log = apps.get_model("care", "CarePlan"), apps.get_model("care", "CareLog")
    survivor, other = pair
    plan = care_plan.objects.create(
        name="生日关怀", occasion="birthday", subject_template="生日快乐", body_template="祝您生日快乐", owner=other_rep
    )
    log = care_log.objects.create(
        plan=plan,
        contact=other.contacts.get(),
        customer=other,
        occasion="birthday",
        occasion_date=timezone.localdate(),
        status="sent",
    )
    result = merge_customers(actor=manager, survivor=survivor, others=[other])
    log.refresh_from_db()
    assert log.customer_id == survivor.pk and result.moved["care.carelog"] == 1


def test_picking_the_other_owner_keeps_the_previous_owner_as_collaborator(manager, rep, other_rep, pair):
    survivor, other = pair
    merge_customers(actor=manager, survivor=survivor, others=[other], field_choices={"owner": other.pk})
    survivor.refresh_from_db()
    assert survivor.owner == other_rep and survivor.department == other_rep.department
    assert rep in survivor.collaborators.all() and other_rep not in survivor.collaborators.all()


def test_a_merge_of_a_merge_points_the_old_one_at_the_new_survivor(manager, rep):
    a, b, c = customer(rep, "甲公司"), customer(rep, "甲公司 二"), customer(rep, "甲公司 三")
    merge_customers(actor=manager, survivor=b, others=[a])
    merge_customers(actor=manager, survivor=c, others=[b])
    # merged_into is a hidden relation (related_name="+"): moved like any module's hidden foreign key would be
    assert Customer.all_objects.get(pk=a.pk).merged_into_id == c.pk
    assert survivor_of(a.pk, manager) == c


def test_the_survivors_timeline_shows_the_merge_and_the_moved_follow_ups(client_for, manager, pair):
    survivor, other = pair
    merge_customers(actor=manager, survivor=survivor, others=[other])
    page = client_for(manager).get(f"/customers/{survivor.pk}/").content.decode()
    assert "新拜访" in page and "旧电话" in page
    assert 'data-kind="merge"' in page and "西湖科技" in page


def test_a_merged_customers_address_redirects_to_the_survivor(client_for, manager, rep, pair):
    survivor, other = pair
    merge_customers(actor=manager, survivor=survivor, others=[other])
    response = client_for(manager).get(f"/customers/{other.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/customers/{survivor.pk}/"


def test_a_merged_address_is_a_404_for_someone_who_cannot_see_the_survivor(client, other_rep, manager, pair):
    survivor, other = pair  # survivor belongs to sales1; other_rep (sales2) is not a collaborator of it
    merge_customers(actor=manager, survivor=survivor, others=[other])
    survivor.collaborators.remove(other_rep)
    client.force_login(other_rep)
    assert client.get(f"/customers/{other.pk}/").status_code == 404
    assert client.get(f"/customers/{survivor.pk}/").status_code == 404


def test_a_rep_may_not_merge(rep):
    a, b = customer(rep, "甲公司"), customer(rep, "甲公司有限公司")
    with pytest.raises(DomainError):  # reps lack customers.delete, and merging deletes
        merge_customers(actor=rep, survivor=a, others=[b])
    assert Customer.objects.filter(pk=b.pk).exists()


def test_merging_a_customer_outside_the_scope_is_refused(manager, org):
    theirs = customer(org["support1"], "客服部的客户")  # outside the sales manager's tree
    mine = customer(manager, "客服部的客户有限公司")
    with pytest.raises(DomainError):
        merge_customers(actor=manager, survivor=mine, others=[theirs])
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_bad_choices_are_refused_and_change_nothing(manager, rep):
    a, b, outsider = customer(rep, "甲公司"), customer(rep, "甲公司有限公司"), customer(rep, "乙公司")
    for choices in ({"phone": outsider.pk}, {"created_at": b.pk}, {"no_such_field": b.pk}):
        with pytest.raises(DomainError):
            merge_customers(actor=manager, survivor=a, others=[b], field_choices=choices)
    with pytest.raises(DomainError):
        merge_customers(actor=manager, survivor=a, others=[a])
    with pytest.raises(DomainError):
        merge_customers(actor=manager, survivor=a, others=[])
    assert Customer.objects.filter(pk=b.pk).exists()
    assert not AuditEvent.objects.filter(action="merge").exists()


def test_a_customer_cannot_be_merged_twice(manager, rep):
    a, b, c = customer(rep, "甲"), customer(rep, "乙"), customer(rep, "丙")
    merge_customers(actor=manager, survivor=a, others=[b])
    with pytest.raises(DomainError):
        merge_customers(actor=manager, survivor=c, others=[b])
    assert Customer.all_objects.get(pk=b.pk).merged_into_id == a.pk


# --- Pages ------------------------------------------------------------------------------------------------


def test_the_duplicates_page_lists_groups_with_their_reason(client_for, manager, rep):
    customer(rep, "西湖科技有限公司")
    customer(rep, "西湖科技")
    page = client_for(manager).get("/customers/duplicates/").content.decode()
    assert "西湖科技有限公司" in page and "西湖科技" in page and "duplicate-group" in page


def test_the_duplicates_page_queries_do_not_grow_with_the_members(client_for, manager, rep):
    client = client_for(manager)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/customers/duplicates/").status_code == 200
        return len(captured)

    for name in ("甲", "乙", "丙"):
        for suffix in ("", "有限公司"):
            customer(rep, f"{name}科技{suffix}")
    few = queries_for_page()
    for name in ("甲", "乙", "丙"):
        for suffix in ("集团", "股份有限公司", "公司"):
            customer(rep, f"{name}科技{suffix}")
    assert queries_for_page() == few


def test_the_duplicates_page_refuses_an_unknown_reason(client_for, manager):
    assert client_for(manager).get("/customers/duplicates/?reason=colour").status_code == 404


def test_the_customer_page_panel_lists_possible_duplicates(client_for, manager, rep):
    a, b = customer(rep, "西湖科技"), customer(rep, "西湖科技有限公司")
    client = client_for(manager)
    assert "duplicates-slot" in client.get(f"/customers/{a.pk}/").content.decode()
    panel = client.get(f"/customers/{a.pk}/duplicates/", HTTP_HX_REQUEST="true").content.decode()
    assert "西湖科技有限公司" in panel and f"ids={b.pk}" in panel
    # a customer with no look-alike gets no panel at all on its page
    alone = customer(rep, "独一无二的公司")
    assert client.get(f"/customers/{alone.pk}/duplicates/", HTTP_HX_REQUEST="true").content.decode().strip() == ""


def test_the_compare_screen_and_merge_through_the_page(client_for, manager, pair):
    survivor, other = pair
    client = client_for(manager)
    compare = client.get(f"/customers/duplicates/merge/?ids={survivor.pk}&ids={other.pk}")
    assert compare.status_code == 200
    body = compare.content.decode()
    assert 'name="field_email"' in body and 'name="field_kind"' not in body  # only differing fields offer a choice
    response = client.post(
        "/customers/duplicates/merge/",
        {"ids": [survivor.pk, other.pk], "survivor": other.pk, "field_name": survivor.pk},
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{other.pk}/"
    kept = Customer.objects.get(pk=other.pk)
    assert kept.name == "杭州西湖科技有限公司" and kept.contacts.count() == 2
    assert Customer.all_objects.get(pk=survivor.pk).merged_into_id == other.pk


def test_the_merge_page_is_forbidden_to_reps_and_404_out_of_scope(client_for, rep, manager, org):
    a, b = customer(rep, "甲公司"), customer(rep, "甲公司有限公司")
    assert client_for(rep).get(f"/customers/duplicates/merge/?ids={a.pk}&ids={b.pk}").status_code == 403
    theirs = customer(org["support1"], "客服部的客户")
    client = client_for(manager)
    assert client.get(f"/customers/duplicates/merge/?ids={a.pk}&ids={theirs.pk}").status_code == 404
    response = client.post("/customers/duplicates/merge/", {"ids": [a.pk, theirs.pk], "survivor": a.pk})
    assert response.status_code == 404
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_the_merge_page_explains_bad_input(client_for, manager, rep):
    a = customer(rep, "甲公司")
    client = client_for(manager)
    for query in ("", f"?ids={a.pk}", "?ids=abc&ids=1"):
        response = client.get(f"/customers/duplicates/merge/{query}", follow=True)
        assert response.status_code == 200 and "alert-danger" in response.content.decode()
    response = client.post("/customers/duplicates/merge/", {"ids": [a.pk], "survivor": "x"}, follow=True)
    assert response.status_code == 200 and "alert-danger" in response.content.decode()


# --- API --------------------------------------------------------------------------------------------------


def test_api_lists_groups_and_pages_them(api_client_for, manager, rep):
    for name in ("甲", "乙", "丙"):
        customer(rep, f"{name}科技有限公司")
        customer(rep, f"{name}科技")
    client = api_client_for(manager)
    body = client.get("/api/v1/customers/duplicates/?limit=2").json()
    assert body["reason"] == "name" and len(body["results"]) == 2 and body["next"]
    assert {len(group["customers"]) for group in body["results"]} == {2}
    rest = client.get("/api/v1/customers/duplicates/", {"limit": 2, "after": body["next"]}).json()
    assert len(rest["results"]) == 1 and rest["next"] is None


@pytest.mark.parametrize(
    "query", ["reason=colour", "limit=0", "limit=abc", "limit=1000", "after=%E7%94%B2", "after=ZW5jOmswOmFiYw"]
)
def test_api_bad_duplicate_queries_are_400(api_client_for, manager, query):
    response = api_client_for(manager).get(f"/api/v1/customers/duplicates/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_api_duplicates_of_one_customer(api_client_for, manager, rep, other_rep):
    a, b = customer(rep, "西湖科技"), customer(rep, "西湖科技有限公司")
    theirs = customer(other_rep, "西湖科技集团")
    body = api_client_for(manager).get(f"/api/v1/customers/{a.pk}/duplicates/").json()
    assert {m["customer"]["id"] for m in body} == {b.pk, theirs.pk} and body[0]["reasons"] == ["name"]
    # a rep sees only their own, and another rep's customer is a 404
    rep_client = api_client_for(rep)
    assert [m["customer"]["id"] for m in rep_client.get(f"/api/v1/customers/{a.pk}/duplicates/").json()] == [b.pk]
    assert rep_client.get(f"/api/v1/customers/{theirs.pk}/duplicates/").status_code == 404


def test_api_merge(api_client_for, manager, pair):
    survivor, other = pair
    response = api_client_for(manager).post(
        "/api/v1/customers/merge/",
        {"survivor": survivor.pk, "merged": [other.pk], "fields": {"level": other.pk}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["survivor"]["id"] == survivor.pk and body["survivor"]["level"] == "A"
    assert body["merged"] == [other.pk] and body["moved"]["customers.contact"] == 1
    assert api_client_for(manager).get(f"/api/v1/customers/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "survivor"),
        ({"survivor": "abc", "merged": [2]}, "survivor"),
        ({"survivor": 1, "merged": []}, "merged"),
        ({"survivor": 1, "merged": "2"}, "merged"),
        ({"survivor": 1, "merged": [1]}, "merged"),
        ({"survivor": 1, "merged": [2, 2]}, "merged"),
        ({"survivor": 1, "merged": [2], "fields": {"colour": 2}}, "fields"),
        ({"survivor": 1, "merged": [2], "fields": {"phone": 99}}, "fields"),
        ({"survivor": 1, "merged": [2], "fields": ["phone"]}, "fields"),
    ],
)
def test_api_merge_bad_input_is_400_and_changes_nothing(api_client_for, manager, rep, payload, field):
    response = api_client_for(manager).post("/api/v1/customers/merge/", payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not AuditEvent.objects.filter(action="merge").exists()


def test_api_merge_scope_and_permission(api_client_for, rep, manager, org):
    a, b = customer(rep, "甲公司"), customer(rep, "甲公司有限公司")
    response = api_client_for(rep).post("/api/v1/customers/merge/", {"survivor": a.pk, "merged": [b.pk]}, format="json")
    assert response.status_code == 403
    theirs = customer(org["support1"], "客服部的客户")
    response = api_client_for(manager).post(
        "/api/v1/customers/merge/", {"survivor": a.pk, "merged": [theirs.pk]}, format="json"
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Customer.objects.filter(pk__in=[a.pk, b.pk, theirs.pk]).count() == 3
