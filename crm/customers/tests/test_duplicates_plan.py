"""The duplicate finder at any size: a page walks the reason's own index in bounded chunks and checks the scope
by primary key — every statement it runs reads an index and sorts nothing, on SQLite and PostgreSQL — and the
pages, walked to the end in small budgets, give exactly the groups of the user's scope: a group shows only the
customers the user may edit, and a key only one of them holds is no group for them."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.customers.models import Contact, Customer
from crm.customers.services import create_contact, create_customer
from crm.customers.services import merge as finder
from crm.customers.services.merge import REASONS, find_duplicate_groups

pytestmark = pytest.mark.django_db

USERS = ["sales1", "manager", "admin"]


@pytest.fixture
def shared(org):
    """Customers of three owners sharing names, phones, e-mails and contacts' mobiles and e-mails, some across
    owners, one deleted, one reached only as a collaborator; and some with nothing in common."""
    rep, other, manager = org["sales1"], org["sales2"], org["manager"]
    made = {}

    def make(code, owner, name, phone="", email="", mobile="", contact_email="", collaborators=()):
        c = create_customer(actor=owner, data={"name": name, "phone": phone, "email": email})
        if collaborators:
            c.collaborators.add(*collaborators)
        if mobile or contact_email:
            create_contact(actor=owner, customer=c, data={"name": "张三", "mobile": mobile, "email": contact_email})
        made[code] = c

    make("a1", rep, "西湖科技", phone="0571-88886666", mobile="13800138000")
    make("a2", rep, "西湖科技有限公司", phone="0571-88886666", mobile="13800138000", contact_email="zs@a.cn")
    make("a3", other, "西湖科技集团", phone="0571 8888 6666", mobile="+86 138 0013 8000", contact_email="zs@a.cn")
    make("b1", rep, "钱塘贸易", email="info@qt.cn")
    make("b2", other, "钱塘贸易公司", email="INFO@qt.cn", collaborators=[rep])
    make("c1", other, "之江医疗", email="hi@zj.cn", mobile="13900139000")
    make("c2", manager, "之江医疗有限公司", email="hi@zj.cn", mobile="13900139000")
    make("d1", rep, "孤山书店", contact_email="zs@a.cn")
    make("d2", rep, "孤山书店", phone="021-66668888")
    make("gone", rep, "孤山书店")
    Customer.objects.filter(pk=made["gone"].pk).update(deleted_at=made["gone"].created_at)
    for n in range(12):
        make(f"x{n}", [rep, other, manager][n % 3], f"独一无二{n:02d}号", phone=f"010-8000{n:04d}")
    return {"org": org, **made}


def expected_groups(user, reason) -> list[set[int]]:
    """The groups of ``user``'s scope for ``reason``, computed the plain way: every live customer they may edit,
    grouped by key in Python."""
    model, column, _label = REASONS[reason]
    scope = set(Customer.objects.visible_to(user, "edit").values_list("pk", flat=True))
    if model is Contact:
        pairs = Contact.objects.values_list(column, "customer_id")
    else:
        pairs = Customer.all_objects.values_list(column, "pk")
    by_key: dict[str, set[int]] = {}
    for key, pk in pairs:
        if key and pk in scope:
            by_key.setdefault(key, set()).add(pk)
    return sorted((ids for ids in by_key.values() if len(ids) > 1), key=min)


def walked_groups(user, reason, limit=20) -> tuple[list[set[int]], list[int], int]:
    groups, sizes, pages, after = [], [], 0, ""
    while after is not None:
        page = find_duplicate_groups(user, reason, after=after, limit=limit)
        groups += [{c.pk for c in g.customers} for g in page.groups]
        sizes += [g.size for g in page.groups]
        pages, after = pages + 1, page.next_after
        assert pages < 200, "the paging never ends"
    return groups, sizes, pages


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("reason", list(REASONS))
def test_pages_walked_in_small_budgets_give_exactly_the_groups_of_the_scope(shared, monkeypatch, username, reason):
    user = shared["org"][username]
    expected = expected_groups(user, reason)
    assert expected  # the data has groups to find
    whole, sizes, _pages = walked_groups(user, reason, limit=100)
    assert sorted(whole, key=min) == expected
    assert sizes == [len(ids) for ids in whole]
    # Budgets of one or three index entries a page, two groups a page: the same groups, none twice, none missed
    for budget, limit in ((1, 20), (3, 2), (7, 1)):
        monkeypatch.setattr(finder, "FIRST_CHUNK", min(budget, 2))
        monkeypatch.setattr(finder, "SCAN_BUDGET", budget)
        small, _sizes, pages = walked_groups(user, reason, limit=limit)
        assert small == whole, (budget, limit)
        assert pages > 1 or budget > 1


def test_a_group_across_scopes_shows_each_user_only_their_customers(shared):
    org = shared["org"]
    a = {shared[code].pk for code in ("a1", "a2", "a3")}
    mine = {shared["a1"].pk, shared["a2"].pk}
    for username, members in (("sales1", mine), ("manager", a), ("admin", a)):
        [group] = find_duplicate_groups(org[username], "phone").groups
        assert {c.pk for c in group.customers} == members and group.size == len(members), username
    # sales2 holds one of the three: no group for them, and no count of the others either
    assert find_duplicate_groups(org["sales2"], "phone").groups == []
    # A collaborator's customer is in the rep's scope, so it joins their group
    [group] = find_duplicate_groups(org["sales1"], "email").groups
    assert {c.pk for c in group.customers} == {shared["b1"].pk, shared["b2"].pk}
    # The deleted customer is in no one's group, the admin's included
    for username in USERS:
        for group in find_duplicate_groups(org[username], "name").groups:
            assert shared["gone"].pk not in {c.pk for c in group.customers}


def test_contact_groups_count_customers_and_show_the_masked_value(shared):
    admin = shared["org"]["admin"]
    groups = {g.label: g for g in find_duplicate_groups(admin, "contact_mobile").groups}
    assert groups["138****8000"].size == 3 and groups["139****9000"].size == 2
    [email] = find_duplicate_groups(admin, "contact_email").groups
    assert email.size == 3 and "zs@a.cn" not in email.label and email.key not in email.label


def test_an_empty_stretch_ends_the_page_short_and_the_next_one_goes_on(shared, monkeypatch, client_for):
    manager = shared["org"]["manager"]
    monkeypatch.setattr(finder, "FIRST_CHUNK", 1)
    monkeypatch.setattr(finder, "SCAN_BUDGET", 1)
    keys = list(Customer.objects.exclude(phone="").order_by("phone").values_list("phone", flat=True))
    assert keys[0] != keys[1]  # the first phone is no group: the first page, reading only it, finds none
    first = find_duplicate_groups(manager, "phone")
    assert first.groups == [] and first.next_after
    second = find_duplicate_groups(manager, "phone", after=first.next_after)
    assert second.next_after and second.next_after != first.next_after
    page = client_for(manager).get("/customers/duplicates/?reason=phone").content.decode()
    assert 'id="next-groups"' in page and "No duplicates found for this reason." not in page


def test_the_page_token_shows_no_key_of_anyone(shared, monkeypatch, client_for, api_client_for):
    # Given a rep whose walk stops, page after page, at the keys of other reps' customers
    rep = shared["org"]["sales1"]
    monkeypatch.setattr(finder, "FIRST_CHUNK", 1)
    monkeypatch.setattr(finder, "SCAN_BUDGET", 1)
    theirs = Customer.objects.exclude(owner=rep).exclude(phone="")
    secrets = {c.phone for c in theirs} | {c.phone.replace("-", "") for c in theirs} | {c.name_key for c in theirs}
    tokens, after = [], ""
    while after is not None:
        after = find_duplicate_groups(rep, "phone", after=after).next_after
        tokens.append(after or "")
    # Then no token shows a phone or a name, neither does the API's `next` nor the page's next link
    assert len(tokens) > 5 and not [t for t in tokens for secret in secrets if secret and secret in t]
    body = api_client_for(rep).get("/api/v1/customers/duplicates/?reason=phone").json()
    page = client_for(rep).get("/customers/duplicates/?reason=phone").content.decode()
    assert body["next"] and not [secret for secret in secrets if secret and (secret in body["next"] or secret in page)]
    # And a token is bound to its reason; one of another reason, or a plain key, is refused with a message
    phone_token = find_duplicate_groups(rep, "phone").next_after
    for bad in (phone_token[:-3], "0571-88886666", "abc"):
        response = api_client_for(rep).get("/api/v1/customers/duplicates/", {"reason": "phone", "after": bad})
        assert response.status_code == 400 and "after" in response.json()["error"]["fields"], response.content
    response = api_client_for(rep).get("/api/v1/customers/duplicates/", {"reason": "name", "after": phone_token})
    assert response.status_code == 400
    html = client_for(rep).get("/customers/duplicates/", {"reason": "phone", "after": "abc"})
    assert html.status_code == 200 and "此分页链接已损坏或已过期" in html.content.decode()


@pytest.mark.parametrize("reason", list(REASONS))
def test_the_queries_of_a_page_do_not_grow_with_its_groups(org, reason):
    rep, manager = org["sales1"], org["manager"]

    def add_groups(names):
        for name in names:
            for n in range(2):
                c = create_customer(
                    actor=rep,
                    data={"name": f"{name}公司" if n else name, "phone": f"0571-{name}", "email": f"{name}@a.cn"},
                )
                create_contact(
                    actor=rep, customer=c, data={"name": "李四", "mobile": f"139{name}", "email": f"{name}@b.cn"}
                )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = find_duplicate_groups(manager, reason)
        return len(captured), len(page.groups)

    add_groups(["88880001"])
    queries()  # the user's roles and department tree, read once and cached
    few, one = queries()
    add_groups([f"8888{n:04d}" for n in range(2, 12)])
    many, eleven = queries()
    assert (one, eleven) == (1, 11)
    assert many == few


# --- The plan of every statement a page runs ----------------------------------------------------------------


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # Forbid what a tiny test table would otherwise invite: each node then shows an index serves it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        return json.dumps(cursor.fetchone()[0])


def assert_indexed(sql: str) -> None:
    plan = _explain(sql)
    if connection.vendor == "sqlite":
        assert "TEMP B-TREE" not in plan, f"{sql}\n{plan}"
        # "SCAN table" with no index is a full scan; every read is a SEARCH or a walk of an index.
        full_scans = [line for line in plan.splitlines() if re.search(r"\bSCAN \w+$", line.strip())]
        assert not full_scans, f"{sql}\n{plan}"
    else:
        assert '"Node Type": "Sort"' not in plan and '"Node Type": "Seq Scan"' not in plan, f"{sql}\n{plan}"


def _page_statements(user, reason) -> list[str]:
    find_duplicate_groups(user, reason)  # the user's roles and department tree, read once and cached
    with CaptureQueriesContext(connection) as captured:
        page = find_duplicate_groups(user, reason)
    assert page.groups  # so the statements that read the groups' members and labels ran too
    # The statements reading customers and contacts (the user's roles and departments are a few rows each).
    return [q["sql"] for q in captured.captured_queries if re.search(r'FROM "customers_(customer|contact)"', q["sql"])]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("reason", ["name", "phone", "contact_mobile", "contact_email"])
def test_every_statement_of_a_page_reads_an_index_and_sorts_nothing(shared, username, reason):
    user = shared["org"][username]
    statements = _page_statements(user, reason)
    column = REASONS[reason][1]
    walk = [sql for sql in statements if "GROUP BY" in sql.upper()]
    assert walk and all(column in sql for sql in walk)
    for sql in statements:
        assert_indexed(sql)


@pytest.mark.parametrize("reason", list(REASONS))
def test_the_walk_is_a_range_of_the_reasons_own_index(org, reason):
    model, column, _label = REASONS[reason]
    with CaptureQueriesContext(connection) as captured:
        finder._shared_keys(reason, "", 50)
    boundary, grouped = [q["sql"] for q in captured.captured_queries]
    for sql in (boundary, grouped):
        plan = _explain(sql)
        if connection.vendor == "sqlite":
            assert "USING COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan
        else:
            assert '"Node Type": "Index Only Scan"' in plan and '"Node Type": "Sort"' not in plan, plan
