"""The customer list's pages do not depend on the query planner: every offered order has an index the page walks,
the walk gives exactly the rows the plain query would, and equal values page in a fixed order."""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.utils import timezone

from crm.core import pagination
from crm.core.pagination import CappedPaginator, Cursor, ListPlan, index_for_ordering, with_tiebreak
from crm.customers.api.views import CustomerViewSet
from crm.customers.models import Customer
from crm.customers.views import SORTABLE_COLUMNS

LEVELS = ["A", "B", "C", "D"]


@pytest.fixture
def many(org):
    """90 customers over three owners, with few distinct levels and many equal timestamps."""
    owners = [org["sales1"], org["sales2"], org["manager"]]
    rows = [Customer(name=f"客户{n:03d}", level=LEVELS[n % 4], lifecycle_stage="active" if n % 3 else "new",
                     owner=owners[n % 3], department=owners[n % 3].department) for n in range(90)]
    Customer.objects.bulk_create(rows)
    return org


def offered_orderings() -> list[list[str]]:
    sorts = sorted({*SORTABLE_COLUMNS, *CustomerViewSet.ordering_fields})  # one order for every test worker
    return [with_tiebreak([f"{sign}{name}"], Customer) for name in sorts for sign in ("", "-")]


def test_every_offered_order_has_an_index():
    assert [o for o in offered_orderings() if not index_for_ordering(Customer, o)] == []
    # A mixed-direction tie-breaker cannot walk an ascending index: the helper never writes one.
    assert with_tiebreak(["name"], Customer) == ["name", "pk"]
    assert with_tiebreak(["-level"], Customer) == ["-level", "-pk"]
    assert not index_for_ordering(Customer, ["remark", "pk"])


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # Forbid what a tiny test table would otherwise invite: the plan must then show an index serves the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return json.dumps(cursor.fetchone()[0])


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", offered_orderings(), ids=lambda o: ",".join(o))
def test_the_walk_reads_an_index_and_never_sorts(ordering):
    walk = Customer._base_manager.order_by(*ordering).values_list("pk", flat=True)[:200]
    plan = _plan(*walk.query.sql_with_params())
    if connection.vendor == "sqlite":
        assert "INDEX" in plan and "TEMP B-TREE" not in plan, plan
    else:
        assert '"Node Type": "Sort"' not in plan and "Index" in plan, plan


@pytest.mark.django_db
def test_each_chunk_is_checked_by_primary_key(many):
    """A chunk of the walk is one statement: a window read from the ordering's index, whose ids the list's
    conditions check by primary key (not the rep's scope read first and matched against the window)."""
    rep = many["sales1"]
    ordering = with_tiebreak(["-updated_at"], Customer)
    window = Customer._base_manager.order_by(*ordering).values("pk")[0:200]
    chunk = (Customer.objects.visible_to(rep).order_by(*ordering).filter(pk__in=window)
             .values_list("pk", flat=True)[:51])
    plan = _plan(*chunk.query.sql_with_params())
    if connection.vendor == "sqlite":
        assert "SEARCH customers_customer USING INTEGER PRIMARY KEY" in plan, plan
        assert "COVERING INDEX customer_updated_idx" in plan, plan
    else:
        # Which join a tiny test table gets is the planner's choice; the window must come from the index.
        assert "customer_updated_idx" in plan, plan


@pytest.mark.parametrize("username", ["sales1", "manager", "admin"])
@pytest.mark.parametrize("ordering", [["-updated_at"], ["level"], ["-level"], ["name"], ["-lifecycle_stage"]])
def test_walked_pages_are_the_plain_query_pages(many, username, ordering, monkeypatch):
    user = many[username]
    queryset = Customer.objects.visible_to(user).order_by(*with_tiebreak(ordering, Customer))
    expected = list(queryset.values_list("pk", flat=True))
    assert len(expected) >= 30
    # A probe of 10 rows makes every list here "long", so pages come from the index walk.
    monkeypatch.setattr(pagination, "PROBE_ROWS", 10)
    monkeypatch.setattr(pagination, "FIRST_CHUNK", 7)
    plan = ListPlan(queryset, probe_rows=10)
    assert not plan.is_short
    seen = []
    for offset in range(0, len(expected) + 20, 20):
        seen.extend(row.pk for row in plan.rows(offset, 20))
    assert seen == expected
    # Through the paginator too, as list pages and the API use it.
    paginator = CappedPaginator(Customer.objects.visible_to(user).order_by(*ordering), per_page=20, cap=5)
    paged, number = [], 1
    while True:
        page = paginator.page(number)
        paged.extend(row.pk for row in page.object_list)
        if not page.has_next():
            break
        number += 1
    assert paged == expected


def test_a_short_list_is_sorted_by_the_database(many):
    queryset = Customer.objects.visible_to(many["sales1"]).order_by("level", "pk")
    plan = ListPlan(queryset)
    assert plan.is_short
    assert [row.pk for row in plan.rows(5, 10)] == list(queryset.values_list("pk", flat=True)[5:15])


def test_equal_values_page_in_the_same_order_every_time(many, api_client_for):
    client = api_client_for(many["admin"])
    response = client.get("/api/v1/customers/?ordering=level&page_size=10")
    assert response.status_code == 200, response.content
    first = response.json()["results"]
    again = client.get("/api/v1/customers/?ordering=level&page_size=10").json()["results"]
    assert [c["id"] for c in first] == [c["id"] for c in again]
    ids = []
    for page in range(1, 10):
        body = client.get(f"/api/v1/customers/?ordering=level&page_size=10&page={page}").json()
        ids.extend(c["id"] for c in body["results"])
    assert len(ids) == len(set(ids)) == 90
    levels = [Customer.objects.get(pk=pk).level for pk in ids]
    assert levels == sorted(levels)


def test_list_search_reads_the_search_index(many, api_client_for):
    client = api_client_for(many["sales1"])
    mine = Customer.objects.filter(owner=many["sales1"]).order_by("pk").first()
    body = client.get(f"/api/v1/customers/?search={mine.name}").json()
    assert [c["id"] for c in body["results"]] == [mine.pk]
    # Another rep's customer stays out of the answer, as does a word no customer has.
    theirs = Customer.objects.filter(owner=many["sales2"]).first()
    assert client.get(f"/api/v1/customers/?search={theirs.name}").json()["count"] == 0
    assert client.get("/api/v1/customers/?search=无此客户").json()["count"] == 0


def test_a_common_search_word_lists_the_best_matches_sorted_without_walking(many, api_client_for, settings):
    """A word in every name: the count stops at the cap, the matches read are the cap and one more, and those are
    sorted by the database (no window of the ordering's index is read in search of them)."""
    from django.test.utils import CaptureQueriesContext

    settings.CRM_LIST_COUNT_CAP = 10
    for customer in Customer.objects.all():
        customer.save()  # the fixture's bulk insert left the search text empty
    client = api_client_for(many["admin"])
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/customers/", {"search": "客户0", "ordering": "level", "page_size": 5}).json()
    assert body["count"] == 10 and body["count_capped"] is True
    shown = [Customer.objects.get(pk=row["id"]) for row in body["results"]]
    assert [c.level for c in shown] == sorted(c.level for c in shown)
    assert not [q["sql"] for q in queries if "OFFSET" in q["sql"]], "the ordering's index was walked"
    ids = [row["id"] for row in body["results"]]
    while body["next"]:
        response = client.get(body["next"])
        assert response.status_code == 200, (unquote(body["next"]), response.content)
        body = response.json()
        ids += [row["id"] for row in body["results"]]
    assert len(ids) == len(set(ids)) == 11  # the matches read: the cap and one more, each once


@pytest.fixture
def followed(many):
    """Half the customers followed up, at a few shared instants: NULLs and ties in a nullable sort column."""
    instants = [timezone.now() - datetime.timedelta(days=d, microseconds=d * 7) for d in (1, 2, 3)]
    for n, customer in enumerate(Customer.objects.order_by("pk")):
        if n % 2:
            Customer.objects.filter(pk=customer.pk).update(last_follow_up_at=instants[n % 3])
    return many


@pytest.mark.parametrize("short", [True, False], ids=["sorted-by-db", "index-walk"])
@pytest.mark.parametrize("username", ["sales1", "admin"])
@pytest.mark.parametrize("ordering", [["-updated_at"], ["level"], ["-level"], ["last_follow_up_at"],
                                      ["-last_follow_up_at"], ["name"]])
def test_next_pages_start_after_the_last_row(followed, username, ordering, short, monkeypatch):
    """Following the cursor from page to page gives exactly the plain query's rows, NULLs and ties included."""
    queryset = Customer.objects.visible_to(followed[username]).order_by(*with_tiebreak(ordering, Customer))
    expected = list(queryset.values_list("pk", flat=True))
    if not short:
        monkeypatch.setattr(pagination, "PROBE_ROWS", 5)
        monkeypatch.setattr(pagination, "FIRST_CHUNK", 7)
    cap = 500 if short else 5
    seen, after, number = [], None, 1
    while True:
        paginator = CappedPaginator(Customer.objects.visible_to(followed[username]).order_by(*ordering),
                                    per_page=7, cap=cap, after=after)
        assert paginator.plan.is_short is short
        page = paginator.page(number)
        seen.extend(row.pk for row in page.object_list)
        if not page.has_next():
            break
        assert page.next_cursor
        after, number = page.next_cursor, number + 1
    assert seen == expected


def test_the_api_follows_its_next_links(followed, api_client_for):
    client = api_client_for(followed["admin"])
    url, seen = "/api/v1/customers/?ordering=-last_follow_up_at&page_size=10", []
    while url:
        body = client.get(url).json()
        seen.extend(c["id"] for c in body["results"])
        url = body["next"]
        assert url is None or "after=" in url
    expected = Customer.objects.order_by(*with_tiebreak(["-last_follow_up_at"], Customer))
    assert seen == list(expected.values_list("pk", flat=True))
    # The link back counts from the top again.
    second = client.get("/api/v1/customers/?ordering=-last_follow_up_at&page_size=10").json()["next"]
    assert "after=" not in client.get(second).json()["previous"]


@pytest.mark.parametrize("token", [
    "garbage", "e30", "x" * 3000,
    Cursor([("updated_at", True), ("id", True)], ["9999-12-31T23:00:00-08:00", 5]).encode(),
    Cursor([("updated_at", True), ("id", True)], ["2026-01-01T00:00:00+00:00", 2**64]).encode(),
    Cursor([("name", False), ("id", False)], ["a\x00b", 5]).encode(),
    Cursor([("remark", False), ("id", False)], ["a", 5]).encode(),
    Cursor([("level", False)], ["A"]).encode(),
])
def test_a_broken_cursor_is_refused_with_a_message(many, api_client_for, client, token):
    response = api_client_for(many["admin"]).get(f"/api/v1/customers/?ordering=name&after={token}")
    assert response.status_code == 404, response.content
    assert "?page=" in response.json()["error"]["message"]
    # The page ignores it and shows the list from the top.
    client.force_login(many["admin"])
    assert client.get(f"/customers/?after={token}").status_code == 200


def test_the_html_list_pages_by_cursor(many, client):
    client.force_login(many["admin"])
    body = client.get("/customers/?sort=name").content.decode()
    link = re.search(r'href="\?([^"]*after=[^"]+)"', body)
    assert link, "the Next link carries the cursor"
    second = client.get("/customers/?" + link.group(1).replace("&amp;", "&")).context["page_obj"]
    names = list(Customer.objects.order_by("name", "pk").values_list("pk", flat=True)[50:100])
    assert [row.pk for row in second.object_list] == names


@pytest.mark.django_db
def test_the_home_page_stage_counts_read_the_owner_index(org):
    """"My customers by stage" counts a rep's customers from an index on owner alone: grouping along the stage
    index instead scanned every customer (3.3 s at a million)."""
    from django.test.utils import CaptureQueriesContext

    from crm.customers.widgets import customers_by_stage_widget

    with CaptureQueriesContext(connection) as queries:
        customers_by_stage_widget(org["sales1"])
    grouped = next(q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {grouped}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "COVERING INDEX customer_owner_stage_idx (owner_id=?)" in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {grouped}")
            plan = json.dumps(cursor.fetchone()[0])
            # On a test database this small PostgreSQL may take any index led by owner_id: what matters is that
            # it starts from the owners, never a scan of every customer.
            assert "(owner_id" in plan and "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_the_team_stage_counts_read_the_owner_index_alone_under_a_managers_scope(org):
    """"Customers by stage per person" for a manager: the scope's department test is answered from the owner
    index (it holds the department), not by reading each of the team's 500,000 rows (0.66 s at a million)."""
    from django.test.utils import CaptureQueriesContext

    from crm.customers.widgets import team_stages_widget

    with CaptureQueriesContext(connection) as queries:
        team_stages_widget(org["manager"])
    grouped = next(q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"])
    assert "department_id" in grouped  # the manager's scope is in the statement
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {grouped}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "COVERING INDEX customer_owner_stage_idx (owner_id=?)" in plan, plan
        else:
            # The index carries the id the scope's collaborator test names (migration 0023).
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'customer_owner_stage_idx'")
            assert "INCLUDE (id)" in cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {grouped}")
            plan = json.dumps(cursor.fetchone()[0])
            # On a test database this small PostgreSQL may take any index led by owner_id: what matters is that
            # it starts from the owners, never a scan of every customer.
            assert "(owner_id" in plan and "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_contacts_are_scoped_by_a_lookup_of_their_customer(org):
    """A rep's contacts: each contact's customer is looked up by primary key and checked, never the rep's whole
    scope joined first (SQLite then scanned every customer: 5 s for the contacts API at a million)."""
    from crm.customers.models import Contact

    probe = Contact.objects.visible_to(org["sales1"]).order_by("-id").values_list("pk", flat=True)[:501]
    sql, params = probe.query.sql_with_params()
    assert "JOIN" not in sql.split("WHERE", 1)[0], sql
    plan = _plan(sql, params)
    if connection.vendor == "sqlite":
        assert "SCAN customers_customer" not in plan and "USING INTEGER PRIMARY KEY" in plan, plan
    else:
        assert '"Relation Name": "customers_contact"' in plan, plan
