"""The search index itself: served from the index (not a scan), kept in sync by the database whatever writes the
rows, repaired after a table rebuild, and removable and re-creatable with the rows already there."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.core.fulltext import create_search_index, drop_search_index, find_matches, repair_search_indexes
from crm.customers.models import Contact, Customer
from crm.customers.services import create_contact, create_customer

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 tables are SQLite's")


def found(user, query: str) -> list[str]:
    ids = find_matches(Customer.objects.visible_to(user), query, 10, user=user)
    return [Customer.all_objects.get(pk=pk).name for pk in ids]


@pytest.mark.django_db
def test_search_reads_the_index_and_never_scans_the_table(rep):
    create_customer(actor=rep, data={"name": "杭州云帆科技", "phone": "057188886666"})
    for query in ["云帆科技", "云帆", "hzyf", "88886666", "h"]:
        with CaptureQueriesContext(connection) as queries:
            assert found(rep, query) == ["杭州云帆科技"]
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "LIKE" not in sql.upper().replace("ILIKE", "") or connection.vendor == "postgresql", sql


@pytest.mark.django_db
def test_rows_written_without_save_are_indexed_too(rep):
    # bulk_create and update() skip save(): the database keeps the index, so imports and bulk jobs are found.
    Customer.objects.bulk_create(
        [
            Customer(
                name="成都博远软件",
                search_text="成都博远软件 chengduboyuanruanjian cdbyrj",
                owner=rep,
                department_id=rep.department_id,
                created_by=rep,
            )
        ]
    )
    assert found(rep, "博远") == ["成都博远软件"] and found(rep, "cdby") == ["成都博远软件"]
    Customer.objects.filter(name="成都博远软件").update(name="成都天成软件", search_text="成都天成软件 cdtcrj")
    assert found(rep, "博远") == [] and found(rep, "cdby") == [] and found(rep, "天成") == ["成都天成软件"]
    Customer.objects.filter(name="成都天成软件").delete()
    assert found(rep, "天成") == []


@sqlite_only
@pytest.mark.django_db
def test_deleted_rows_leave_the_index(rep):
    customer = create_customer(actor=rep, data={"name": "西安联创电子"})
    create_contact(actor=rep, customer=customer, data={"name": "赵敏"})
    customer_id, contact_id = customer.pk, customer.contacts.get().pk
    Customer.all_objects.filter(pk=customer_id).delete()  # the contacts go with it (cascade)

    def index_ids(table, phrase):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT rowid FROM "{table}_search" WHERE "{table}_search" MATCH %s', [f'"{phrase}"'])
            return [row[0] for row in cursor.fetchall()]

    assert customer_id not in index_ids("customers_customer", "联创电")
    assert contact_id not in index_ids("customers_contact", "zhaomin")


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_table_rebuilt_by_a_migration_gets_its_index_back(rep):
    customer = create_customer(actor=rep, data={"name": "青岛海纳食品"})
    with connection.schema_editor() as editor:
        editor._remake_table(Customer)  # what SQLite migrations do to alter a column; it drops the triggers
    Customer.objects.filter(pk=customer.pk).update(name="青岛百川食品", search_text="青岛百川食品 qdbcsp")
    assert found(rep, "百川") == []  # stale until repaired
    call_command("migrate", verbosity=0)  # nothing to migrate, but the repair runs after every migrate
    assert found(rep, "百川") == ["青岛百川食品"] and found(rep, "海纳") == []
    assert repair_search_indexes() == []
    customer.refresh_from_db()
    customer.name = "青岛星河食品"
    customer.save()
    assert found(rep, "星河") == ["青岛星河食品"]


@pytest.mark.django_db(transaction=True)
def test_the_index_can_be_dropped_and_created_again_over_existing_rows(rep):
    customer = create_customer(actor=rep, data={"name": "苏州精工制造"})
    create_contact(actor=rep, customer=customer, data={"name": "孙磊"})
    with connection.schema_editor() as editor:
        drop_search_index(editor, Customer._meta.db_table)
        drop_search_index(editor, Contact._meta.db_table)
    with connection.schema_editor() as editor:
        create_search_index(editor, Customer._meta.db_table)
        create_search_index(editor, Contact._meta.db_table)
    assert found(rep, "精工") == ["苏州精工制造"]
    assert find_matches(Contact.objects.visible_to(rep), "sl", 10, user=rep) == [customer.contacts.get().pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ["%云帆科技%", "%hzyf%", "%88886666%", "% zs%"])
def test_postgresql_answers_like_from_the_trigram_index(rep, pattern):
    create_customer(actor=rep, data={"name": "杭州云帆科技", "phone": "057188886666"})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show its index
        cursor.execute("EXPLAIN SELECT id FROM customers_customer WHERE search_text LIKE %s", [pattern])
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "customers_customer_search_text_trgm" in plan, plan
