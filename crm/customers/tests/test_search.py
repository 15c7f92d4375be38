"""Global search finds customers and contacts by name substring, phone, e-mail and pinyin — within scope."""

import pytest
from django.db import connection

from crm.customers.models import Customer
from crm.customers.services import (
    create_contact,
    create_customer,
    delete_contact,
    delete_customer,
    purge_customer,
    restore_customer,
    update_contact,
    update_customer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep, other_rep):
    mine = create_customer(
        actor=rep, data={"name": "杭州云帆科技", "phone": "0571-8888 6666", "email": "info@yunfan.cn"}
    )
    create_contact(
        actor=rep, customer=mine, data={"name": "张三", "mobile": "13800138000", "email": "zhang.san@yunfan.cn"}
    )
    theirs = create_customer(actor=other_rep, data={"name": "杭州云海物流"})
    create_contact(actor=other_rep, customer=theirs, data={"name": "张珊", "mobile": "13900139000"})
    return mine, theirs


def titles(client, q) -> list[str]:
    response = client.get("/api/v1/search/", {"q": q})
    assert response.status_code == 200, response.content
    return [r["title"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("云帆", ["杭州云帆科技"]),
        ("云帆科技", ["杭州云帆科技"]),
        ("帆", ["杭州云帆科技"]),
        ("hangzhouyunfan", ["杭州云帆科技"]),
        ("yunfan", ["杭州云帆科技"]),
        ("hzyf", ["杭州云帆科技"]),
        ("HZYF", ["杭州云帆科技"]),
        ("h", ["杭州云帆科技"]),
        ("0571 88886666", ["杭州云帆科技"]),
        ("(0571) 8888-6666", ["杭州云帆科技"]),
        ("88886666", ["杭州云帆科技"]),
        ("8886", ["杭州云帆科技"]),
        ("INFO@yunfan.cn", ["杭州云帆科技"]),
        ("yunfan.cn", ["杭州云帆科技"]),
        ("zhangsan", ["张三"]),
        ("zs", ["张三"]),
        ("z", ["张三"]),
        ("张三", ["张三"]),
        ("张", ["张三"]),
        ("三", ["张三"]),
        ("13800138000", ["张三"]),
        ("+86 138 0013 8000", ["张三"]),
        ("Zhang.San@yunfan.cn", ["张三"]),
        ("杭州 yunfan", ["杭州云帆科技"]),
    ],
)
def test_a_rep_finds_own_records_every_way(book, rep, api_client_for, query, expected):
    assert titles(api_client_for(rep), query) == expected


@pytest.mark.parametrize("query", ["fk", "yf", "an", "1380013", "zhang.san@", "杭州 物流", "云帆 x"])
def test_what_does_not_match(book, rep, api_client_for, query):
    # One or two Latin letters or digits match the start of a word (initials, phones), not any run inside one;
    # a contact's mobile and e-mail are encrypted and found only whole; every word of a query must match.
    assert titles(api_client_for(rep), query) == []


def test_records_outside_scope_never_show(book, rep, other_rep, api_client_for):
    assert titles(api_client_for(rep), "杭州") == ["杭州云帆科技"]
    assert titles(api_client_for(other_rep), "zs") == ["张珊"]
    for query in ["云帆", "hzyf", "88886666", "info@yunfan.cn", "张三", "zhangsan", "13800138000", "张"]:
        assert "杭州云帆科技" not in titles(api_client_for(other_rep), query)
        assert "张三" not in titles(api_client_for(other_rep), query)


def test_a_collaborator_finds_the_customer_and_its_contacts(book, rep, other_rep, api_client_for):
    mine, _theirs = book
    update_customer(actor=rep, customer=mine, data={"collaborators": [other_rep]})
    assert titles(api_client_for(other_rep), "hzyf") == ["杭州云帆科技"]
    assert sorted(titles(api_client_for(other_rep), "zs")) == ["张三", "张珊"]


def test_a_manager_of_both_departments_finds_both(book, manager, api_client_for):
    assert sorted(titles(api_client_for(manager), "杭州")) == ["杭州云帆科技", "杭州云海物流"]


def test_customers_in_the_recycle_bin_and_their_contacts_are_not_found(book, rep, admin_user, api_client_for):
    mine, _theirs = book
    delete_customer(actor=rep, customer=mine)
    assert titles(api_client_for(rep), "云帆") == []
    assert titles(api_client_for(rep), "zhangsan") == []
    assert titles(api_client_for(admin_user), "云帆") == []
    restore_customer(actor=admin_user, customer=Customer.all_objects.get(pk=mine.pk))
    assert titles(api_client_for(rep), "云帆") == ["杭州云帆科技"]


def test_the_index_follows_renames_and_deletions(book, rep, admin_user, api_client_for):
    mine, _theirs = book
    client = api_client_for(rep)
    update_customer(actor=rep, customer=mine, data={"name": "宁波海纳电子", "phone": "0574-2222 3333"})
    assert titles(client, "云帆") == [] and titles(client, "88886666") == [] and titles(client, "hzyf") == []
    assert titles(client, "海纳") == ["宁波海纳电子"] and titles(client, "nbhn") == ["宁波海纳电子"]
    assert titles(client, "22223333") == ["宁波海纳电子"]
    contact = mine.contacts.get()
    update_contact(actor=rep, contact=contact, data={"name": "李四"})
    assert titles(client, "zs") == [] and titles(client, "ls") == ["李四"]
    delete_contact(actor=rep, contact=contact)
    assert titles(client, "李四") == []
    delete_customer(actor=rep, customer=mine)
    purge_customer(actor=admin_user, customer=Customer.all_objects.get(pk=mine.pk))
    assert titles(api_client_for(admin_user), "海纳") == []


def test_the_exact_name_comes_first_then_names_starting_with_the_query(rep, api_client_for):
    for name in ["云帆科技", "云帆科技服务", "杭州云帆科技", "上海云帆科技"]:
        create_customer(actor=rep, data={"name": name})
    assert titles(api_client_for(rep), "云帆科技") == ["云帆科技", "云帆科技服务", "上海云帆科技", "杭州云帆科技"]


def test_a_query_matching_most_customers_finds_the_few_in_scope(rep, other_rep, api_client_for, monkeypatch):
    from crm.core import fulltext

    # Small chunks, so 60 newer matches outside the rep's scope take several chunks of the index to get past.
    monkeypatch.setattr(fulltext, "FIRST_CHUNK", 5)
    create_customer(actor=rep, data={"name": "北京老客户有限公司"})
    for n in range(60):
        create_customer(actor=other_rep, data={"name": f"上海新客户{n}有限公司"})
    assert titles(api_client_for(rep), "有限公司") == ["北京老客户有限公司"]
    assert titles(api_client_for(rep), "公司") == ["北京老客户有限公司"]
    assert len(titles(api_client_for(other_rep), "有限公司")) == 10


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's planner bounds its own work")
def test_a_very_broad_query_reads_a_bounded_part_of_the_index(rep, other_rep, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from crm.core import fulltext
    from crm.core.search import search_all

    monkeypatch.setattr(fulltext, "FIRST_CHUNK", 5)
    monkeypatch.setattr(fulltext, "INDEX_BUDGET", 20)
    create_customer(actor=rep, data={"name": "北京老客户有限公司"})
    for n in range(60):
        create_customer(actor=other_rep, data={"name": f"上海新客户{n}有限公司"})
    with CaptureQueriesContext(connection) as queries:
        results = search_all(rep, "有限公司")
    # Only the newest 25 matches (chunks of 5 and 20) were looked at: the rep's older customer is past them.
    assert [hit for _provider, hits in results for hit in hits] == []
    assert sum("MATCH" in q["sql"] for q in queries.captured_queries) <= 4


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        '云帆"',
        '"云帆',
        "AND",
        "OR",
        "NOT",
        "云帆 OR 物流",
        "云帆 AND",
        "NEAR(云帆 科技)",
        "*",
        "云*",
        "^云帆",
        "search_text:云帆",
        "(云帆",
        ")",
        "-",
        "+",
        "\\",
        "%",
        "_",
        "%%%",
        "云帆\x00科技",
        "\x00",
        "\x01zs",
        "a" * 3000,
        "云" * 3000,
        "a " * 500,
        "🙂",
        "ｚｓ",
    ],
)
def test_query_syntax_and_odd_input_never_break_search(book, rep, api_client_for, client_for, query):
    # NUL in a URL is turned away as a bad request before any view; everything else is searched.
    expected = 400 if "\x00" in query else 200
    assert api_client_for(rep).get("/api/v1/search/", {"q": query}).status_code == expected
    assert client_for(rep).get("/search/", {"q": query}).status_code == expected


def test_names_with_query_syntax_in_them_are_found(rep, api_client_for):
    create_customer(actor=rep, data={"name": 'A"B*C (测试) AND/OR'})
    for query in ['"B*C', "(测试)", "AND/OR", "b*c"]:
        assert titles(api_client_for(rep), query) == ['A"B*C (测试) AND/OR']


def test_the_top_bar_finds_by_initials_and_links_to_the_customer(book, rep, other_rep, client_for):
    mine, _theirs = book
    response = client_for(rep).get("/search/", {"q": "hzyf"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "杭州云帆科技" in html and f'href="/customers/{mine.pk}/"' in html and "<html" not in html
    page = client_for(rep).get("/search/", {"q": "zs"}).content.decode()
    assert "张三" in page and "张珊" not in page
    assert "杭州云帆科技" not in client_for(other_rep).get("/search/", {"q": "云帆"}).content.decode()
