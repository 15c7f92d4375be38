"""The nightly pool rule, owner warnings and lifecycle refresh over a big table, with raw SQL beside them.

    export CRM_DATA_DIR=/tmp/poolbench        # its own database: the run moves customers around
    .venv/bin/crm migrate
    BENCH_CUSTOMERS=1000000 .venv/bin/python bench/bench_pool.py

Fills the database with BENCH_CUSTOMERS bare customers (one INSERT … SELECT, no contacts) when it has fewer, then
times each job once. Pool rule: customers idle for more than 395 days go back (about 2 %); the warning window is
the 10 days before (about 2.5 %). The warning first runs as it did ten days ago, then the rule: every customer
it returns must have been warned (the run says how many were). The raw figure is the same candidate query as
plain SQL.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.accounts.demo import load_organisation  # noqa: E402
from crm.accounts.models import User  # noqa: E402
from crm.customers.models import IDLE_SINCE_SQL, Customer, PoolRule  # noqa: E402
from crm.customers.services.lifecycle import refresh_lifecycle_stages  # noqa: E402
from crm.customers.services.pool import idle_owned, return_idle_customers, warn_owners_before_return  # noqa: E402

TARGET = int(os.environ.get("BENCH_CUSTOMERS", "1000000"))
COLUMNS = """customers_customer (name, kind, phone, email, industry, source, level, address, remark, lifecycle_stage,
    lifecycle_locked, search_text, name_key, created_at, updated_at, owner_id, department_id, last_follow_up_at,
    first_order_at, customer_type, scale, credit_rating, city, version)"""
OWNER = """(SELECT id FROM accounts_user WHERE username = CASE i % 3 WHEN 0 THEN 'sales1' WHEN 1 THEN 'sales2'
        ELSE 'manager' END)"""
FILL = {  # the same rows on each database
    "sqlite": """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %(count)s)
INSERT INTO %(columns)s
SELECT '客户' || i, 'company', '', '', 'it', '', substr('ABCD', 1 + i %% 4, 1), '', '', 'prospect', 0, '', '',
    datetime('now', '-' || (370 + i %% 30) || ' days'), datetime('now'), %(owner)s, NULL,
    CASE WHEN i %% 10 = 0 THEN NULL ELSE datetime('now', '-' || (abs(random()) %% 400) || ' days') END,
    CASE WHEN i %% 3 = 0 THEN date('now', '-' || (abs(random()) %% 800) || ' days') END, '', '', '', '', 1
FROM n
""",
    "postgresql": """
INSERT INTO %(columns)s
SELECT '客户' || i, 'company', '', '', 'it', '', substr('ABCD', 1 + i %% 4, 1), '', '', 'prospect', false, '', '',
    now() - (370 + i %% 30) * interval '1 day', now(), %(owner)s, NULL,
    CASE WHEN i %% 10 = 0 THEN NULL ELSE now() - floor(random() * 400) * interval '1 day' END,
    CASE WHEN i %% 3 = 0 THEN current_date - floor(random() * 800)::int END, '', '', '', '', 1
FROM generate_series(1, %(count)s) AS n(i)
""",
}


def timed(label: str, fn, raw_query: tuple[str, tuple] | None = None) -> None:
    started = time.perf_counter()
    result = fn()
    took = time.perf_counter() - started
    line = f"{label:<44} {took * 1000:>9.0f} ms   result: {result}"
    if raw_query:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(*raw_query)
            cursor.fetchall()
        raw = time.perf_counter() - started
        line += f"   raw SQL {raw * 1000:.0f} ms (ratio {took / raw:.2f})"
    print(line, flush=True)


def main() -> None:
    if not User.objects.filter(username="sales1").exists():
        load_organisation("bench-Passw0rd")
    missing = TARGET - Customer.all_objects.count()
    if missing > 0:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(FILL[connection.vendor] % {"count": missing, "columns": COLUMNS, "owner": OWNER})
        # idle_since as the domain keeps it (the migration's backfill does the same).
        Customer.all_objects.filter(idle_since__isnull=True).update(idle_since=IDLE_SINCE_SQL)
        print(f"filled {missing} customers in {time.perf_counter() - started:.1f} s", flush=True)
    Customer.objects.update(lifecycle_stage="prospect", pool_warned_at=None)
    PoolRule.objects.all().delete()
    rule = PoolRule.objects.create(level="", days=395, warn_days=10)
    now = timezone.now()
    print(f"{Customer.objects.count()} customers, {Customer.objects.in_pool().count()} already in the pool")

    moment = now - dt.timedelta(days=rule.days)
    candidates = idle_owned(Q(), moment).values_list("pk", "owner_id", "name")
    timed("pool rule candidates (SELECT)", lambda: len(list(candidates)), candidates.query.sql_with_params())
    ten_days_ago = now - dt.timedelta(days=rule.warn_days)
    timed("warn_owners_before_return (ten days ago)", lambda: warn_owners_before_return(ten_days_ago))
    warned = set(Customer.objects.filter(pool_warned_at__isnull=False).values_list("pk", flat=True))
    timed("return_idle_customers (move + history + audit)", lambda: return_idle_customers(now))
    returned = set(Customer.objects.in_pool().filter(pool_entered_at=now).values_list("pk", flat=True))
    print(f"returned {len(returned)}, of them warned ten days before: {len(returned & warned)}", flush=True)
    if returned - warned:
        sys.exit(f"{len(returned - warned)} customers returned without a warning")
    timed("warn_owners_before_return (10-day window)", lambda: warn_owners_before_return(now))
    timed("refresh_lifecycle_stages (first run)", lambda: refresh_lifecycle_stages(now))
    timed("refresh_lifecycle_stages (nothing changed)", lambda: refresh_lifecycle_stages(now))


if __name__ == "__main__":
    main()
