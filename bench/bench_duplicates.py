"""Duplicate finder at scale: the first page of groups per reason for a rep (own customers), the sales manager
(a department tree) and the admin (everything) — service, API and HTML page — and one customer's panel, each next
to its raw SQL.

    CRM_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_duplicates.py     # DATABASE_URL for PostgreSQL

Read-only: nothing is merged. The bench data has almost no duplicates, the worst case for the finder: a page
walks its whole budget (crm/customers/services/merge.py, SCAN_BUDGET / SCAN_SECONDS) and comes back short or
empty, with a `next` that goes on. "covers" is how many index entries the first page read; "raw SQL" is the same
walk as one plain statement (the GROUP BY of that stretch of the reason's index, no scope, no paging code).
BENCH_NAIVE=1 also runs, once per reason, the naive finder: a GROUP BY of the whole index. Medians over
BENCH_RUNS runs (default 10); the load average is printed with every reason.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("CRM_API_THROTTLE_USER", "1000000/minute")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from timing import fetch, median_ms  # noqa: E402
from timing import load_average as load  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.customers.models import Customer  # noqa: E402
from crm.customers.services.merge import REASONS, _key_after, find_duplicate_groups, find_duplicates_of  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
PERSONAS = os.environ.get("BENCH_PERSONAS", "sales1,manager,admin").split(",")
NAIVE = os.environ.get("BENCH_NAIVE") == "1"
settings.ALLOWED_HOSTS = ["*"]


def table_and_column(reason: str) -> tuple[str, str]:
    model, column, _label = REASONS[reason]
    return model._meta.db_table, column


def raw(sql: str, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def raw_walk(reason: str, until: str | None):
    """The first page's walk as one statement: the keys held more than once from the start of the index up to
    where the page stopped."""
    table, column = table_and_column(reason)
    bound = f"AND {column} <= %s" if until is not None else ""
    return raw(
        f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} > '' {bound} "
        f"GROUP BY {column} HAVING COUNT(*) > 1 ORDER BY {column} LIMIT 500",
        [until] if until is not None else [],
    )


def covered(reason: str, until: str | None) -> tuple[int, int]:
    table, column = table_and_column(reason)
    total = raw(f"SELECT COUNT(*) FROM {table} WHERE {column} > ''")()[0][0]
    if until is None:
        return total, total
    return raw(f"SELECT COUNT(*) FROM {table} WHERE {column} > '' AND {column} <= %s", [until])()[0][0], total


def main() -> None:
    print(
        f"{Customer.objects.count():,} customers   database: {connection.vendor}   runs: {RUNS}, median ms   "
        f"load average: {load()}"
    )
    users = [User.objects.get(username=name) for name in PERSONAS]
    clients = {}
    for user in users:
        token, _ = Token.objects.get_or_create(user=user)
        page = Client()
        page.force_login(user)
        clients[user.pk] = (Client(HTTP_AUTHORIZATION=f"Token {token.key}"), page)
    for reason in REASONS:
        line = f"\n{reason}   (load average {load()})"
        if NAIVE:
            table, column = table_and_column(reason)
            naive = raw(
                f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} > '' GROUP BY {column} "
                f"HAVING COUNT(*) > 1 ORDER BY {column} LIMIT 21"
            )
            line += f"   naive whole-index GROUP BY {median_ms(naive, 1):.1f} ms"
        print(line)
        for user in users:
            took = median_ms(lambda user=user, reason=reason: find_duplicate_groups(user, reason), RUNS)
            page = find_duplicate_groups(user, reason)  # warm, as the timed runs: how far a page gets
            api, html = clients[user.pk]
            api_ms = median_ms(fetch(api, f"/api/v1/customers/duplicates/?reason={reason}"), RUNS)
            html_ms = median_ms(fetch(html, f"/customers/duplicates/?reason={reason}"), RUNS)
            until = _key_after(reason, page.next_after) if page.next_after else None  # the key the walk stopped at
            read, total = covered(reason, until)
            sql_ms = median_ms(raw_walk(reason, until), RUNS)
            print(
                f"  {user.username:8} service {took:6.1f}  API {api_ms:6.1f}  HTML {html_ms:6.1f} ms   "
                f"raw SQL {sql_ms:6.1f} ms   {len(page.groups):3} groups, covers {read:,} of {total:,} "
                f"index entries ({'more' if page.next_after else 'last page'})"
            )
    customer = Customer.objects.filter(owner__username="sales1").order_by("id").first() or Customer.objects.first()
    print(f"\npanel of one customer   (load average {load()})")
    for user in users:
        took = median_ms(lambda user=user: find_duplicates_of(user, customer), RUNS)
        print(f"  {user.username:8} {took:6.1f} ms")


if __name__ == "__main__":
    main()
