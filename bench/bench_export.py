"""Export of the whole customer list (a million rows) to CSV through the real code path, next to raw SQL.

    CRM_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_export.py

The app figure is GET /api/v1/customers/export/?format=csv as the administrator (every customer), its streamed
body written to /dev/null: permission check, scope, filters, the count and audit row, values_list() in chunks,
tags per chunk, dictionary labels, local times, masking rules, csv.writer. The raw figure is the same SELECT
(joins for owner and department, tags by GROUP_CONCAT, string_agg on PostgreSQL) written with Python's csv
module, no Django (read through a server-side cursor on PostgreSQL, as the app's iterator() is).

Memory is the process's peak resident set (VmHWM in /proc/self/status, reset before each run through
/proc/self/clear_refs), minus the resident set before the run. It includes SQLite's page cache and the pages of
the database file it maps (PRAGMA mmap_size, 256 MB), which are the kernel's file cache rather than the app's;
the peak of anonymous memory alone (RssAnon, sampled every 20 ms) is printed beside it.

Each run writes one audit event (that is part of the code path): point CRM_DATA_DIR at a copy of the benchmark
database if it must stay untouched. BENCH_EXPORT_RUNS (default 3) runs each; the median is printed.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("CRM_API_THROTTLE_USER", "1000000/minute")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.customers.models import Customer  # noqa: E402

RUNS = int(os.environ.get("BENCH_EXPORT_RUNS", "3"))
settings.ALLOWED_HOSTS = ["*"]

RAW_SQL = """
SELECT c.id, c.name, c.kind, c.phone, c.email, c.industry, c.source, c.level, c.lifecycle_stage,
       (SELECT {group_concat}(t.name, ', ') FROM customers_customer_tags ct
          JOIN customers_tag t ON t.id = ct.tag_id WHERE ct.customer_id = c.id) AS tags,
       COALESCE(NULLIF(u.name, ''), u.username), d.name, c.address, c.last_follow_up_at, c.next_follow_up_at,
       c.first_order_at, c.last_order_at, c.created_at, c.updated_at, c.remark
FROM customers_customer c
LEFT JOIN accounts_user u ON u.id = c.owner_id
LEFT JOIN accounts_department d ON d.id = c.department_id
WHERE c.deleted_at IS NULL
ORDER BY c.updated_at DESC, c.id DESC
"""

GROUP_CONCAT = {"sqlite": "GROUP_CONCAT", "postgresql": "string_agg"}  # the tags, joined by ", "


def memory_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class PeakMemory:
    """Peak RSS over a block (kernel high-water mark, reset at the start) and sampled peak anonymous RSS."""

    def __enter__(self):
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # reset VmHWM to the current RSS
        self.before = memory_kib("VmRSS")
        self.anon_before = memory_kib("RssAnon")
        self.anon_peak = self.anon_before
        self._running = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self):
        while self._running:
            self.anon_peak = max(self.anon_peak, memory_kib("RssAnon"))
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._running = False
        self._sampler.join()
        self.peak = memory_kib("VmHWM")
        self.rss_mb = (self.peak - self.before) / 1024
        self.peak_mb = self.peak / 1024
        self.anon_mb = (self.anon_peak - self.anon_before) / 1024


def run_app(client: Client, url: str) -> tuple[float, int, PeakMemory]:
    with PeakMemory() as memory, open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        size = 0
        for piece in response.streaming_content:
            sink.write(piece)
            size += len(piece)
        response.close()
        elapsed = time.perf_counter() - started
    return elapsed, size, memory


def run_raw() -> tuple[float, int, PeakMemory]:
    with PeakMemory() as memory, open(os.devnull, "w", newline="", encoding="utf-8") as sink:
        started = time.perf_counter()
        writer = csv.writer(sink)
        rows = 0
        with connection.chunked_cursor() as cursor:
            cursor.execute(RAW_SQL.format(group_concat=GROUP_CONCAT[connection.vendor]))
            while batch := cursor.fetchmany(2000):
                writer.writerows(batch)
                rows += len(batch)
        elapsed = time.perf_counter() - started
    return elapsed, rows, memory


def main() -> None:
    admin = User.objects.get(username="admin")
    rep = User.objects.get(username="sales1")
    total = Customer.objects.count()
    clients = {}
    for user in (admin, rep):
        token, _ = Token.objects.get_or_create(user=user)
        clients[user.username] = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    print(
        f"customers: {total:,}   runs: {RUNS}, median   python {sys.version.split()[0]}   "
        f"process RSS before the first export: {memory_kib('VmRSS') / 1024:.0f} MB"
    )

    app = [run_app(clients["admin"], "/api/v1/customers/export/?format=csv") for _ in range(RUNS)]
    raw = [run_raw() for _ in range(RUNS)]
    app_s = statistics.median(run[0] for run in app)
    raw_s = statistics.median(run[0] for run in raw)
    print(
        f"{'measure':<44} {'app s':>7} {'raw SQL s':>9} {'ratio':>6} {'peak RSS MB':>12} {'+RSS MB':>8} {'+anon MB':>9}"
    )
    worst = max(app, key=lambda run: run[2].peak)[2]
    print(
        f"{'CSV export, ' + f'{total:,} customers (admin, API)':<44} {app_s:>7.1f} {raw_s:>9.1f} "
        f"{app_s / raw_s:>6.1f} {worst.peak_mb:>12.0f} {worst.rss_mb:>8.0f} {worst.anon_mb:>9.0f}"
    )
    raw_worst = max(raw, key=lambda run: run[2].peak)[2]
    print(
        f"{'  raw SQL + csv module, same rows':<44} {'':>7} {raw_s:>9.1f} {'':>6} {raw_worst.peak_mb:>12.0f} "
        f"{raw_worst.rss_mb:>8.0f} {raw_worst.anon_mb:>9.0f}"
    )
    print(f"  {app[0][1] / 1e6:.0f} MB of CSV, {app[0][1] / app_s / 1e6:.1f} MB/s")

    for label, url in [
        ("CSV export, a rep's list (own scope, API)", "/api/v1/customers/export/?format=csv"),
        ("XLSX export, a rep's level=A list (API)", "/api/v1/customers/export/?format=xlsx&level=A"),
    ]:
        elapsed, size, memory = run_app(clients["sales1"], url)
        print(
            f"{label:<44} {elapsed:>7.1f} {'':>9} {'':>6} {memory.peak_mb:>12.0f} {memory.rss_mb:>8.0f} "
            f"{memory.anon_mb:>9.0f}   ({size / 1e6:.0f} MB)"
        )


if __name__ == "__main__":
    main()
