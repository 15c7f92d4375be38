"""Duplicate finder at scale: one page of groups per reason and one customer's panel, for an admin (all
customers), the sales manager (a department tree) and a rep (own customers), each next to its raw SQL.

    CRM_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_duplicates.py

Read-only: nothing is merged. The bench data has almost no duplicates, the worst case for the finder (a page
must scan its whole budget to come back short or empty). Prints medians over BENCH_RUNS runs (default 10).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.customers.models import Customer  # noqa: E402
from crm.customers.services.merge import REASONS, find_duplicate_groups, find_duplicates_of  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))


def median_ms(fn, runs: int = RUNS) -> float:
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def raw_ms(sql: str) -> float:
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return median_ms(run)


RAW = {  # the whole-table GROUP BY a naive finder would run: every live customer, no paging budget
    "name": "SELECT name_key, COUNT(*) FROM customers_customer WHERE deleted_at IS NULL AND name_key != '' "
    "GROUP BY name_key HAVING COUNT(*) > 1 ORDER BY name_key LIMIT 21",
    "phone": "SELECT phone, COUNT(*) FROM customers_customer WHERE deleted_at IS NULL AND phone != '' "
    "GROUP BY phone HAVING COUNT(*) > 1 ORDER BY phone LIMIT 21",
    "email": "SELECT email, COUNT(*) FROM customers_customer WHERE deleted_at IS NULL AND email != '' "
    "GROUP BY email HAVING COUNT(*) > 1 ORDER BY email LIMIT 21",
    "contact_mobile": "SELECT c.mobile_index, COUNT(DISTINCT c.customer_id) FROM customers_contact c "
    "JOIN customers_customer u ON u.id = c.customer_id WHERE u.deleted_at IS NULL "
    "AND c.mobile_index != '' GROUP BY c.mobile_index HAVING COUNT(DISTINCT c.customer_id) > 1 "
    "ORDER BY c.mobile_index LIMIT 21",
    "contact_email": "SELECT c.email_index, COUNT(DISTINCT c.customer_id) FROM customers_contact c "
    "JOIN customers_customer u ON u.id = c.customer_id WHERE u.deleted_at IS NULL "
    "AND c.email_index != '' GROUP BY c.email_index HAVING COUNT(DISTINCT c.customer_id) > 1 "
    "ORDER BY c.email_index LIMIT 21",
}


def main() -> None:
    print(f"{Customer.objects.count():,} customers")
    users = [User.objects.get(username=name) for name in ("admin", "manager", "sales1")]
    for reason in REASONS:
        print(f"\n{reason}: raw whole-table GROUP BY {raw_ms(RAW[reason]):8.1f} ms")
        for user in users:
            page = find_duplicate_groups(user, reason)
            took = median_ms(lambda user=user, reason=reason: find_duplicate_groups(user, reason))
            print(
                f"  first page for {user.username:8} {took:8.1f} ms  ({len(page.groups)} groups, "
                f"{'more' if page.next_after else 'last page'})"
            )
    customer = Customer.objects.filter(owner__username="sales1").order_by("id").first()
    for user in users:
        took = median_ms(lambda user=user: find_duplicates_of(user, customer))
        print(f"\npanel of one customer for {user.username:8} {took:8.1f} ms")


if __name__ == "__main__":
    main()
