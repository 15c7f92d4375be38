"""The home dashboard (GET /) for a rep, the manager and the admin, and each of its widgets, next to the SQL they
run replayed as raw statements.

    export CRM_DATA_DIR=/tmp/bench
    .venv/bin/crm migrate && .venv/bin/crm demo && .venv/bin/crm bench-data --customers 1000000
    .venv/bin/python bench/bench_home.py           # BENCH_RUNS=10 by default; DATABASE_URL for PostgreSQL

For each persona: the whole page through the Django test client (middleware, session, every widget, the base
template: the server's time for the page), warm (as a user who comes back within a few minutes meets it) and with
nothing cached (each run after emptying the cache: the first visit, or one after the team's counts expired);
then each widget the persona sees on its own and uncached — its context function (the queries) and its
template, what the page pays for it. "raw SQL" replays the statements that page or widget ran (captured with
their parameters, executed through a plain cursor), so the ratio is the framework's and the template's share;
writes (the session) are counted, not replayed. BENCH_PERSONAS picks the personas (sales1,manager,admin),
BENCH_SHOW_SQL=1 prints each widget's statements. Medians in ms.
"""

from __future__ import annotations

import copy
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from timing import fetch, load_average, median_ms, print_table  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.core.dashboard import widgets_for  # noqa: E402
from crm.customers.models import Customer  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
PERSONAS = os.environ.get("BENCH_PERSONAS", "sales1,manager,admin").split(",")
SHOW_SQL = os.environ.get("BENCH_SHOW_SQL") == "1"
TARGET_MS = 200  # issue 9: every page under 200 ms of server time with a million customers
settings.ALLOWED_HOSTS = ["*"]


def statements(fn) -> list[str]:
    """The SQL ``fn`` runs, parameters filled in (the backend's own rendering of the executed statement)."""
    with CaptureQueriesContext(connection) as captured:
        fn()
    return [query["sql"] for query in captured.captured_queries]


def reads(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def replay(sql: list[str]):
    """The read statements as raw SQL through a plain cursor, one after the other, every row fetched."""
    def run():
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
                cursor.fetchall()
    return run


def cold(fn):
    """``fn`` after emptying the cache: what the first visit pays (the team counts, the dictionaries)."""
    def run():
        cache.clear()
        fn()
    return run


def widget_on_its_own(widget, user):
    """What the page does for one widget: its context (the queries), then its template. Each run gets a fresh
    copy of the user, as each request does: widgets keep what they share on the user object (the team, the
    permissions), which a later run must not find already there."""
    def run():
        reader = copy.copy(user)
        request = RequestFactory().get("/")
        request.user = reader
        context = widget.context(reader)
        if context is not None:
            render_to_string(widget.template, {"widget": widget, **context}, request=request)
    return run


def main() -> None:
    print(f"customers: {Customer.objects.count():,}   database: {connection.vendor}   runs: {RUNS}, median ms   "
          f"load average: {load_average()}")
    rows: list[tuple[str, float, float]] = []
    pages: list[tuple[str, float]] = []
    for username in PERSONAS:
        user = User.objects.get(username=username)
        page = Client()
        page.force_login(user)
        home = fetch(page, "/")
        home()  # warm: the first request of a session sets up what later ones reuse
        page_sql = statements(home)
        widgets = widgets_for(copy.copy(user))
        print(f"{username}: sees {Customer.objects.visible_to(user).count():,} customers, {len(widgets)} widgets "
              f"allowed, "
              f"the page runs {len(page_sql)} statements ({len(page_sql) - len(reads(page_sql))} writes)")
        took = median_ms(home, RUNS)
        pages.append((username, took))
        rows.append((f"{username:<8} home page GET /, warm ({len(page_sql)} queries)", took,
                     median_ms(replay(reads(page_sql)), RUNS)))
        # What a visit pays when nothing is cached (after a restart, or once TEAM_COUNTS_SECONDS have passed).
        cold_sql = statements(cold(home))
        cold_ms = median_ms(cold(home), RUNS)
        pages.append((f"{username} (nothing cached)", cold_ms))
        rows.append((f"{username:<8} home page, nothing cached ({len(cold_sql)} queries)", cold_ms,
                     median_ms(replay(reads(cold_sql)), RUNS)))
        for widget in widgets:
            if widget.context(copy.copy(user)) is None:  # left out for this persona: nothing to time
                rows.append((f"{username:<8}   {widget.code} (not shown)", 0.0, 0.0))
                continue
            run = cold(widget_on_its_own(widget, user))
            run()
            sql = statements(run)
            rows.append((f"{username:<8}   {widget.code} ({len(sql)} queries)", median_ms(run, RUNS),
                         median_ms(replay(reads(sql)), RUNS)))
            if SHOW_SQL:
                print(f"  {widget.code}:")
                for statement in sql:
                    print(f"    {statement[:600]}")
    print_table(rows)
    print(f"load average: {load_average()}")
    for username, took in pages:
        verdict = "within" if took < TARGET_MS else "OVER"
        print(f"{username}: home page {took:.1f} ms, {verdict} the {TARGET_MS} ms target")


if __name__ == "__main__":
    main()
