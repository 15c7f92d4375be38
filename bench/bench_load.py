"""Load test: a crowd of API clients and browsers against `crm serve` on loopback, nothing may fail.

    CRM_DATA_DIR=/tmp/bench .venv/bin/crm migrate && .venv/bin/crm demo
    CRM_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_load.py

Starts `crm serve` on a free loopback port (BENCH_LOAD_WORKERS=2 workers × BENCH_LOAD_THREADS=4 threads) on the
database of the environment (CRM_DATA_DIR / DATABASE_URL), runs bench/load/locustfile.py headless with
BENCH_LOAD_USERS=50 users (BENCH_LOAD_SPAWN_RATE=10 a second) for BENCH_LOAD_SECONDS=60 (BENCH_LOAD_KEEPALIVE:
the server's keep-alive, 75 s), stops both, and prints
per endpoint the requests, failures, median, p95 and p99 in ms. Exits 1 if any request failed or none was made.
The run is bounded in users and time and sends traffic to 127.0.0.1 only. It writes: customers named 压测客户…,
their follow-ups and remarks — point CRM_DATA_DIR / DATABASE_URL at a copy if the data must stay untouched.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SPAWN_RATE = float(os.environ.get("BENCH_LOAD_SPAWN_RATE", "10"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = os.environ.get("BENCH_LOAD_WORKERS", "2")
THREADS = os.environ.get("BENCH_LOAD_THREADS", "4")
# The server's keep-alive in seconds; `BENCH_LOAD_KEEPALIVE=2` (gunicorn's default) shows the resets it had.
KEEPALIVE = os.environ.get("BENCH_LOAD_KEEPALIVE", os.environ.get("CRM_WEB_KEEPALIVE", "75"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"crm serve exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"crm serve did not answer {url}/healthz within {timeout:.0f} s")


def obtain_tokens(url: str) -> str:
    """One API token per persona, as ``persona:key,…`` for the locustfile (BENCH_LOAD_TOKENS)."""
    password = os.environ.get("CRM_DEMO_PASSWORD", "demo")
    tokens = []
    for persona in filter(None, (p.strip() for p in os.environ.get(
            "BENCH_LOAD_PERSONAS", "sales1,sales2,manager,admin").split(","))):
        request = urllib.request.Request(f"{url}/api/v1/auth/token/", method="POST",
                                         data=json.dumps({"username": persona, "password": password}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            tokens.append(f"{persona}:{json.load(response)['token']}")
    return ",".join(tokens)


def report(stats_csv: Path) -> tuple[int, int]:
    """Prints locust's per-endpoint figures; returns (requests, failures) of the whole run."""
    with stats_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    width = max(len(row["Name"]) for row in rows)
    print(f"{'endpoint':<{width}}  {'requests':>8}  {'failed':>6}  {'median':>6}  {'p95':>6}  {'p99':>6}  (ms)")
    total = (0, 0)
    for row in rows:
        line = (f"{row['Name']:<{width}}  {row['Request Count']:>8}  {row['Failure Count']:>6}  "
                f"{row['50%']:>6}  {row['95%']:>6}  {row['99%']:>6}")
        if row["Name"] == "Aggregated":
            total = (int(row["Request Count"]), int(row["Failure Count"]))
            print("-" * len(line))
        print(line)
    return total


def main() -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-load-"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "DJANGO_SETTINGS_MODULE": "crm.settings",
           # Reminder mails of the follow-ups written: nowhere, unless the caller names a mail server.
           "CRM_EMAIL_BACKEND": os.environ.get("CRM_EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")}
    server_log = (scratch / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", WORKERS, "--threads", THREADS, "--keep-alive", KEEPALIVE],
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(url, server)
        env["BENCH_LOAD_TOKENS"] = obtain_tokens(url)
        print(f"bench_load: {USERS} users ({SPAWN_RATE:g}/s) for {SECONDS} s against {url} "
              f"({WORKERS} workers × {THREADS} threads, keep-alive {KEEPALIVE} s)", flush=True)
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
             "--host", url, "--users", str(USERS), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{SECONDS}s",
             "--stop-timeout", "10", "--csv", str(scratch / "load"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=SECONDS + 120)
        requests, failures = report(scratch / "load_stats.csv")
        failure_rows = list(csv.DictReader((scratch / "load_failures.csv").open(newline="")))
        for row in failure_rows:
            print(f"FAILED {row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error'][:300]}")
        if locust.returncode not in (0, 1) or requests == 0:
            print(locust.stdout[:4000])
            return 1
        print(f"bench_load: {requests} requests, {failures} failed")
        return 1 if failures else 0
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        server_log.close()
        errors = [line for line in (scratch / "server.log").read_text(errors="replace").splitlines()
                  if "Traceback" in line or '"levelname": "ERROR"' in line]
        if errors:
            print(f"bench_load: the server logged {len(errors)} errors; log kept in {scratch / 'server.log'}")
        else:
            subprocess.run(["rm", "-rf", str(scratch)], check=False)


if __name__ == "__main__":
    sys.exit(main())
