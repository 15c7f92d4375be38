"""Other users' writes do not fail, nor wait for long, while 100,000 rows are imported (issue 8: they failed with
500 "database is locked" after SQLite's 20 s timeout while an upload was parsed and an import ran).

The import and the writers run in a process of their own (concurrent_writers.py) on a real database: a SQLite file
(the suite's in-memory SQLite shares one cache between connections, where a writer never waits for another, it
fails at once), or on PostgreSQL a scratch database of the test server. 100,000 rows on SQLite, as the issue says;
20,000 on PostgreSQL, whose writers queue on row locks instead of one database lock (the rows an import holds
longest there: the customer-number sequence). ``CRM_TEST_CONCURRENT_IMPORT_ROWS`` sets another size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def _rows() -> int:
    default = 100_000 if connection.vendor == "sqlite" else 20_000
    return int(os.environ.get("CRM_TEST_CONCURRENT_IMPORT_ROWS", default))


def _scratch_database_url() -> tuple[str, callable]:
    """A new, empty database on the test's PostgreSQL server, and what drops it."""
    import psycopg

    settings = connection.settings_dict
    name = f"crm_concurrent_import_{uuid.uuid4().hex[:8]}"
    server = {"user": settings["USER"], "password": settings["PASSWORD"], "host": settings["HOST"],
              "port": settings["PORT"] or 5432}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = f"postgres://{server['user']}:{server['password']}@{server['host']}:{server['port']}/{name}"
    return url, drop


@pytest.mark.django_db
def test_other_users_keep_writing_while_a_large_import_runs(tmp_path):
    rows = _rows()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"CRM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "crm.settings", "PYTHONPATH": str(ROOT),
                "CRM_SECRET_KEY": "concurrent-import-test", "CRM_LOG_LEVEL": "WARNING"})
    drop = None
    if connection.vendor == "postgresql":
        env["DATABASE_URL"], drop = _scratch_database_url()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "crm.imports.tests.concurrent_writers", str(rows)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
    finally:
        if drop:
            drop()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])

    assert report["import"]["status"] == "done", report["import"]
    assert report["import"]["created"] == rows
    # The others wrote all along, and none of their writes failed ("database is locked", a 500 before).
    assert report["errors"] == []
    assert report["writes"] >= 10
    # A customer created by hand waits for one step of the import at most, not for the whole file.
    assert report["slowest"]["create"] < 10, report
