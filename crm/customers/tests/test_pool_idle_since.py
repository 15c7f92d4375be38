"""One "idle since" for the pool: the latest of the last follow-up, the claim and the creation, stored on the
customer by the domain and read by the rule, its warning, the customer page and "returning soon" — so the pool
warns before it takes (issue 8 §7: the rule's SQL and the warning's re-check once disagreed, and 11,200 customers
of the pool benchmark went back while the warning warned none)."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from crm.customers.models import IDLE_SINCE_SQL, Customer, PoolRule
from crm.customers.services import create_customer, log_activity
from crm.customers.services.pool import (
    claim_from_pool,
    customers_returning_soon,
    idle_owned,
    return_idle_customers,
    returns_at,
    warn_owners_before_return,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()
DAY = dt.timedelta(days=1)


@pytest.fixture
def rule(db):
    return PoolRule.objects.create(level="", days=30, warn_days=5)


def made(owner, name: str, *, created_days_ago: float, follow_up_days_ago: float | None = None) -> Customer:
    """A customer created ``created_days_ago``, with a follow-up logged through the domain (backdated, as an
    imported history or a call written up late is)."""
    customer = create_customer(actor=owner, data={"name": name})
    Customer.objects.filter(pk=customer.pk).update(created_at=NOW - created_days_ago * DAY)
    Customer.objects.filter(pk=customer.pk).update(idle_since=IDLE_SINCE_SQL)  # as the creation would have set it
    customer.refresh_from_db()
    if follow_up_days_ago is not None:
        log_activity(actor=owner, customer=customer,
                     data={"kind": "call", "subject": "补记", "occurred_at": NOW - follow_up_days_ago * DAY})
    customer.refresh_from_db()
    return customer


def test_a_new_customer_with_an_old_follow_up_counts_from_its_creation_everywhere(rule, rep, client_for):
    """Created 5 days ago with a follow-up dated 100 days back: idle for 5 days, not 100 — for the rule, the
    warning, the customer page and the returning-soon list alike (the rule used to take it at once, unwarned)."""
    customer = made(rep, "新建补记", created_days_ago=5, follow_up_days_ago=100)
    assert customer.idle_since == customer.created_at
    assert returns_at(customer) == customer.created_at + 30 * DAY
    page = client_for(rep).get(customer.get_absolute_url()).content.decode()
    assert timezone.localtime(customer.created_at + 30 * DAY).strftime("%Y-%m-%d") in page

    assert return_idle_customers(NOW) == 0 and warn_owners_before_return(NOW) == 0
    assert customers_returning_soon(rep, NOW) == []
    warned_on = NOW + 21 * DAY  # 26 days idle: inside the 5-day warning window
    assert [c for c, _when in customers_returning_soon(rep, warned_on)] == [customer]
    assert warn_owners_before_return(warned_on) == 1
    assert return_idle_customers(NOW + 24 * DAY) == 0
    assert return_idle_customers(NOW + 26 * DAY) == 1


def test_every_returned_customer_was_warned_first(rule, rep, other_rep):
    """Thirty nights of the pool job over customers of every history: each one the rule takes was warned at
    least the rule's warning days before."""
    customers = [
        made(rep, "新建补记", created_days_ago=3, follow_up_days_ago=200),
        made(rep, "新建未跟进", created_days_ago=10),
        made(other_rep, "旧客户近期跟进", created_days_ago=400, follow_up_days_ago=12),
        made(other_rep, "旧客户补记", created_days_ago=20, follow_up_days_ago=90),
        made(rep, "导入的老客户", created_days_ago=1, follow_up_days_ago=365),
    ]
    warned: dict[int, dt.datetime] = {}
    returned: dict[int, dt.datetime] = {}
    for night in range(40):
        now = NOW + night * DAY
        # The nightly task: returns first, then the warnings for those next in line.
        return_idle_customers(now)
        for customer in Customer.objects.in_pool().filter(pk__in=[c.pk for c in customers]):
            returned.setdefault(customer.pk, now)
        warn_owners_before_return(now)
        for pk, at in Customer.objects.filter(pool_warned_at__isnull=False).values_list("pk", "pool_warned_at"):
            warned.setdefault(pk, at)
    assert set(returned) == {c.pk for c in customers}  # all of them went, in the end
    for pk, when in returned.items():
        assert pk in warned and when - warned[pk] >= (rule.warn_days - 1) * DAY, Customer.all_objects.get(pk=pk)


def test_the_domain_keeps_idle_since_on_create_follow_up_and_claim(rule, rep, other_rep):
    customer = create_customer(actor=rep, data={"name": "保持空闲起点"})
    assert customer.idle_since is not None and abs(customer.idle_since - customer.created_at) < dt.timedelta(seconds=1)
    later = timezone.now() + dt.timedelta(minutes=5)
    log_activity(actor=rep, customer=customer, data={"kind": "call", "subject": "回访", "occurred_at": later})
    assert Customer.objects.get(pk=customer.pk).idle_since == later
    older = later - 3 * DAY  # an older follow-up written up now moves nothing
    log_activity(actor=rep, customer=customer, data={"kind": "note", "subject": "补记", "occurred_at": older})
    assert Customer.objects.get(pk=customer.pk).idle_since == later
    # Into the pool and claimed: the claim restarts the clock.
    Customer.objects.filter(pk=customer.pk).update(created_at=NOW - 400 * DAY, last_follow_up_at=NOW - 400 * DAY,
                                                   idle_since=NOW - 400 * DAY)
    return_idle_customers(NOW)
    claimed = claim_from_pool(actor=other_rep, customer=Customer.objects.get(pk=customer.pk),
                              now=NOW + dt.timedelta(hours=1))
    assert claimed.idle_since == NOW + dt.timedelta(hours=1)
    # The stored value is the definition, in Python and in SQL alike.
    assert not Customer.objects.exclude(idle_since=IDLE_SINCE_SQL).exists()


def test_an_import_sets_idle_since_like_a_single_create(rep):
    from crm.customers.importing.rows import RowPlan
    from crm.customers.services.imports import create_batch, number_block

    create_batch(rep, [RowPlan(number=1, customer={"name": "导入空闲起点"}, tags=[], contact=None, owner=None)], {},
                 number_block(1))
    customer = Customer.objects.get(name="导入空闲起点")
    assert customer.idle_since is not None and abs(customer.idle_since - customer.created_at) < dt.timedelta(seconds=1)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would invite a scan
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return json.dumps(cursor.fetchone()[0])


def test_returning_soon_reads_an_owners_soonest_from_the_idle_index(rule, rep):
    """The home page's "returning soon" at a million customers was 4 s: a sort of every idle customer of the rep
    by a computed moment. Now it is a walk of (owner, idle_since, id)."""
    for n in range(3):
        made(rep, f"待回收{n}", created_days_ago=28 - n)
    soonest = idle_owned(Q(), NOW - 25 * DAY).filter(owner=rep).order_by("idle_since", "pk")
    plan = _plan(soonest.values_list("pk", flat=True)[:101])
    assert "customer_idle_idx" in plan, plan
    assert "TEMP B-TREE" not in plan and '"Sort"' not in plan, plan
    assert [c.name for c, _when in customers_returning_soon(rep, NOW)] == ["待回收0", "待回收1", "待回收2"]
