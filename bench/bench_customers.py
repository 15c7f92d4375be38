"""Customer list, search and 360° page at scale, each next to the same query as raw SQL.

    CRM_DATA_DIR=/tmp/bench .venv/bin/crm migrate && .venv/bin/crm demo
    CRM_DATA_DIR=/tmp/bench .venv/bin/crm bench-data --customers 1000000
    CRM_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_customers.py

Prints medians over BENCH_RUNS runs (default 30) after warm-up; the ratio is framework cost over raw SQL.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("CRM_API_THROTTLE_USER", "1000000/minute")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

import timing  # noqa: E402  (bench/timing, beside this script)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.core.pagination import count_cap  # noqa: E402
from crm.customers.models import Customer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
settings.ALLOWED_HOSTS = ["*"]


def median_ms(fn, runs: int = RUNS) -> float:
    return timing.median_ms(fn, runs, warmup=3)


def raw(sql: str, params: list):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
    return run


def search_by_hand(word: str, owner_id: int) -> tuple[str, list]:
    """The app's customer search query for one word of three or more characters (crm/core/fulltext.py), by hand."""
    if connection.vendor == "sqlite":
        # The newest 200 matches of the FTS5 trigram index, then scope and limit.
        return ("SELECT id, name FROM customers_customer WHERE id IN (SELECT rowid FROM customers_customer_search "
                "WHERE customers_customer_search MATCH %s ORDER BY rowid DESC LIMIT 200) AND owner_id = %s "
                "AND deleted_at IS NULL ORDER BY id DESC LIMIT 10", [f'"{word}"', owner_id])
    # PostgreSQL: the substring as LIKE, which the pg_trgm GIN indexes on search_text, phone and e-mail serve.
    return ("SELECT id, name FROM customers_customer WHERE (search_text LIKE %s OR phone LIKE %s OR email LIKE %s) "
            "AND owner_id = %s AND deleted_at IS NULL ORDER BY id DESC LIMIT 10", [f"%{word}%"] * 3 + [owner_id])


def main() -> None:
    count = Customer.objects.count()
    rep = User.objects.get(username="sales1")
    token, _ = Token.objects.get_or_create(user=rep)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    sample = Customer.objects.filter(owner=rep).order_by("-id").first()
    print(f"customers: {count:,}   rep: sales1 (own scope, {Customer.objects.filter(owner=rep).count():,} "
          f"customers)   runs: {RUNS}, median")
    rows = []

    def check(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return run

    # The app's two queries by hand: the capped count (CRM_LIST_COUNT_CAP, crm/core/pagination.py) and the page,
    # both with the rep's scope as visible_to() writes it (own customers or collaborations, not deleted).
    scope = ("c.deleted_at IS NULL AND (c.owner_id = %s OR c.id IN (SELECT customer_id FROM "
             "customers_customer_collaborators WHERE user_id = %s)) AND c.level = %s")
    cap = count_cap()

    def list_by_hand():
        raw(f"SELECT COUNT(*) FROM (SELECT c.id FROM customers_customer c WHERE {scope} LIMIT %s) sub",
            [rep.pk, rep.pk, "A", cap + 1])()
        raw("SELECT c.*, u.name, d.name FROM customers_customer c "
            "LEFT JOIN accounts_user u ON u.id = c.owner_id "
            "LEFT JOIN accounts_department d ON d.id = c.department_id "
            f"WHERE {scope} ORDER BY c.updated_at DESC, c.id DESC LIMIT 50", [rep.pk, rep.pk, "A"])()

    rows.append((f"customer list API, page of 50, level=A (count capped at {cap:,})",
                 median_ms(check("/api/v1/customers/?level=A&page_size=50")), median_ms(list_by_hand)))
    for label, query in [("name substring", sample.name[2:6]), ("phone", sample.phone),
                         ("pinyin initials", sample.search_text.split()[2][:6])]:
        rows.append((f"global search API ({label}: {query})",
                     median_ms(check(f"/api/v1/search/?q={query}")),
                     median_ms(raw(*search_by_hand(query.lower(), rep.pk)))))
    client.force_login(rep)
    rows.append(("360° page (HTML)", median_ms(check(f"/customers/{sample.pk}/")),
                 median_ms(raw("SELECT * FROM customers_customer WHERE id = %s", [sample.pk]))))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'app ms':>8}  {'raw SQL ms':>10}  {'ratio':>6}")
    for label, app, sql in rows:
        print(f"{label:<{width}}  {app:>8.1f}  {sql:>10.2f}  {app / sql if sql else 0:>6.1f}")


if __name__ == "__main__":
    main()
