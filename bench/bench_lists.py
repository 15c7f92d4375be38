"""Every customer list a user meets, for a rep, the manager and the admin, next to the same query as raw SQL.

    export CRM_DATA_DIR=/tmp/bench
    .venv/bin/crm migrate && .venv/bin/crm demo && .venv/bin/crm bench-data --customers 1000000
    .venv/bin/python bench/bench_lists.py          # BENCH_RUNS=10 by default; DATABASE_URL for PostgreSQL

For each persona: the first page of the API list (50 rows) with no filter, with one filter of each kind and with
every offered sort; page 100 and the list search; the HTML list's first page with a filter and a sort. Beside
each, "raw SQL" runs the plain query the page stands for — scope, filter, ORDER BY, LIMIT 50 — as one
statement, the way the database's planner would run it if the app did nothing of its own (on SQLite that is the
figure that depends on planner luck). Medians in ms; the ratio is app over raw SQL.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import parse_qs, urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("CRM_API_THROTTLE_USER", "1000000/minute")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from timing import fetch, load_average, median_ms, print_table  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.core.pagination import Cursor, with_tiebreak  # noqa: E402
from crm.customers.models import Customer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
PERSONAS = os.environ.get("BENCH_PERSONAS", "sales1,manager,admin").split(",")
settings.ALLOWED_HOSTS = ["*"]

# Filters as the API takes them, with the ORM lookups the raw query uses.
FILTERS = [("level=A", {"level": "A"}), ("lifecycle_stage=active", {"lifecycle_stage": "active"}),
           ("industry=manufacturing", {"industry": "manufacturing"}), ("source=exhibition", {"source": "exhibition"}),
           ("last_follow_up_after=2026-01-01", {"last_follow_up_at__date__gte": "2026-01-01"})]
SORTS = ["name", "-name", "level", "-level", "lifecycle_stage", "created_at", "-last_follow_up_at",
         "next_follow_up_at", "-updated_at"]
API_FILTERS = {"last_follow_up_after=2026-01-01": "last_follow_up_after=2026-01-01"}


def raw_page(user: User, lookups: dict, ordering: str, offset: int = 0, after: Cursor | None = None):
    """The page as one plain statement: what the ORM writes for scope + filter + sort + LIMIT 50 (and, after a
    cursor, the keyset condition ``(updated_at, id) < (…)``)."""
    queryset = Customer.objects.visible_to(user).filter(**lookups)
    if after is not None:
        beyond = Q()
        for segment in after.segments(Customer, connection.features.nulls_order_largest):
            beyond |= segment
        queryset = queryset.filter(beyond)
    queryset = queryset.order_by(*with_tiebreak([ordering], Customer))[offset:offset + 50]
    sql, params = queryset.query.sql_with_params()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
    return run


def main() -> None:
    total = Customer.objects.count()
    print(f"customers: {total:,}   database: {connection.vendor}   runs: {RUNS}, median ms   "
          f"load average: {load_average()}")
    rows: list[tuple[str, float, float]] = []
    for username in PERSONAS:
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        page = Client()
        page.force_login(user)
        scope = Customer.objects.visible_to(user).count()
        print(f"{username}: sees {scope:,} customers")

        def measure(label, url, raw, client=api, username=username):
            rows.append((f"{username:<8} {label}", median_ms(fetch(client, url), RUNS), median_ms(raw, RUNS)))

        base = "/api/v1/customers/?page_size=50"
        measure("API first page", base, raw_page(user, {}, "-updated_at"))
        for label, lookups in FILTERS:
            measure(f"API {label}", f"{base}&{API_FILTERS.get(label, label)}", raw_page(user, lookups, "-updated_at"))
        for sort in SORTS:
            measure(f"API ordering={sort}", f"{base}&ordering={sort}", raw_page(user, {}, sort))
        measure("API level=A ordering=name", f"{base}&level=A&ordering=name", raw_page(user, {"level": "A"}, "name"))
        deep = max(1, min(100, scope // 50))  # page 100, or the last page of a small data set (the smoke run)
        # As a user reaches it: by the next link of the page before (keyset: ?after= the last row seen) ...
        url = base
        for _ in range(deep - 1):
            link = urlsplit(api.get(url).json()["next"])
            url = f"{link.path}?{link.query}"
        token = parse_qs(urlsplit(url).query).get("after", [""])[0]
        after = Cursor.decode(token, Customer) if token else None
        measure(f"API page {deep} (next link)", url, raw_page(user, {}, "-updated_at", after=after))
        # ... and by its number alone, counted from the top.
        measure(f"API page {deep} (?page=)", f"{base}&page={deep}",
                raw_page(user, {}, "-updated_at", offset=(deep - 1) * 50))
        sample = Customer.objects.visible_to(user).order_by("-id").first()
        measure("API search (name part)", f"{base}&search={sample.name[2:6]}",
                raw_page(user, {"name__contains": sample.name[2:6]}, "-updated_at"))
        measure("API search (no match)", f"{base}&search=无此客户", raw_page(user, {"name__contains": "无此客户"},
                                                                          "-updated_at"))
        measure("HTML first page", "/customers/?sort=-updated_at", raw_page(user, {}, "-updated_at"), client=page)
        measure("HTML level=A sort=level", "/customers/?level=A&sort=level", raw_page(user, {"level": "A"}, "level"),
                client=page)
    print_table(rows)


if __name__ == "__main__":
    main()
