"""Global search finds customers and contacts by name substring, phone, e-mail and pinyin — within scope."""

import pytest

from crm.customers.services import create_contact, create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(rep, other_rep):
    mine = create_customer(actor=rep, data={"name": "杭州云帆科技", "phone": "0571-8888 6666",
                                            "email": "info@yunfan.cn"})
    create_contact(actor=rep, customer=mine, data={"name": "张三", "mobile": "13800138000"})
    theirs = create_customer(actor=other_rep, data={"name": "杭州云海物流"})
    create_contact(actor=other_rep, customer=theirs, data={"name": "张珊", "mobile": "13900139000"})
    return mine, theirs


def titles(client, q) -> list[str]:
    return [r["title"] for r in client.get("/api/v1/search/", {"q": q}).json()["results"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("云帆", ["杭州云帆科技"]), ("hangzhouyunfan", ["杭州云帆科技"]), ("hzyf", ["杭州云帆科技"]),
    ("0571 88886666", ["杭州云帆科技"]), ("INFO@yunfan.cn", ["杭州云帆科技"]),
    ("zhangsan", ["张三"]), ("zs", ["张三"]), ("13800138000", ["张三"]), ("+86 138 0013 8000", ["张三"]),
])
def test_a_rep_finds_own_records_every_way(book, rep, api_client_for, query, expected):
    assert titles(api_client_for(rep), query) == expected


def test_records_outside_scope_never_show(book, rep, other_rep, api_client_for):
    assert titles(api_client_for(rep), "杭州") == ["杭州云帆科技"]
    assert titles(api_client_for(other_rep), "zs") == ["张珊"]
    assert titles(api_client_for(other_rep), "13800138000") == []
