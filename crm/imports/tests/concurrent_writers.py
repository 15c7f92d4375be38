"""Other users write while a large import runs: run by test_concurrent_import.py in a process of its own, on a
real database (a SQLite file in CRM_DATA_DIR, or DATABASE_URL), with the production settings — the test suite's
in-memory SQLite cannot show one connection waiting for another's write lock.

    python -m crm.imports.tests.concurrent_writers ROWS

Migrates an empty database, loads the demo organisation, then imports ROWS customers as sales1 (upload, the
dry run on the task queue, the run) while three other users keep writing: two create customers one by one, one
uploads, maps, checks and imports small files. Prints one JSON line: the import's outcome, how many writes the
others made while it ran, the slowest of each kind (a customer created; a small import's upload, mapping, check
and run together) and every error they met (e.g. "database is locked")."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import threading
import time
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from huey.contrib.djhuey import HUEY  # noqa: E402

from crm.accounts.demo import load_organisation  # noqa: E402
from crm.customers.services import create_customer  # noqa: E402
from crm.imports import services  # noqa: E402
from crm.imports.models import ImportJob  # noqa: E402
from crm.system.demo import load as load_dictionaries  # noqa: E402


def csv_file(name: str, rows: list[list[str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["客户名称", "城市", "电话"], *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def big_import(user, rows: int, report: dict) -> None:
    started = time.monotonic()
    phases = report.setdefault("phases", {})
    try:
        job = services.start_import(
            actor=user,
            entity="customers",
            upload=csv_file("big.csv", [[f"并发导入客户{i:06d}", "杭州", f"139{i:08d}"] for i in range(rows)]),
        )
        phases["upload"] = round(time.monotonic() - started, 1)
        services.set_mapping(actor=user, job=job, mapping=job.mapping, duplicate_policy="skip")
        job = services.start_preview(actor=user, job=job)  # a large file: checked by the (inline) task queue
        phases["preview"] = round(time.monotonic() - started, 1)
        services.queue_import(actor=user, job=job)
        job = ImportJob.objects.get(pk=job.pk)
        phases["run"] = round(time.monotonic() - started, 1)
        report["import"] = {"status": job.status, "created": job.created_count, "message": job.message}
    except Exception:  # noqa: BLE001 - reported to the test
        report["import"] = {"status": "crashed", "message": traceback.format_exc()[-2000:]}
    finally:
        report["import"]["seconds"] = round(time.monotonic() - started, 1)
        connection.close()


def writer(kind: str, user, running: threading.Event, report: dict) -> None:
    """Writes until the big import is over; each write timed, each error kept."""
    number = 0
    try:
        while running.is_set():
            number += 1
            started = time.monotonic()
            try:
                if kind == "create":
                    create_customer(actor=user, data={"name": f"{user.username}手工客户{number:05d}"})
                else:
                    upload = csv_file("small.csv", [[f"{user.username}小文件客户{number:05d}-{i}", "宁波", ""]
                                                    for i in range(3)])
                    job = services.start_import(actor=user, entity="customers", upload=upload)
                    services.set_mapping(actor=user, job=job, mapping=job.mapping, duplicate_policy="skip")
                    services.preview_import(actor=user, job=job)
                    services.queue_import(actor=user, job=job)
                    job = ImportJob.objects.get(pk=job.pk)
                    if job.status != "done":
                        raise RuntimeError(f"small import {job.status}: {job.message}")
            except Exception as error:  # noqa: BLE001 - the point: count what other users would see
                report["errors"].append(f"{kind}: {type(error).__name__}: {error}"[:300])
            took = time.monotonic() - started
            report["writes"] += 1
            report["slowest"][kind] = max(report["slowest"].get(kind, 0.0), took)
            if took > 2:
                report["slow"].append(f"{kind} {took:.1f}s at {time.monotonic() - report['started']:.0f}s")
            time.sleep(0.05)
    finally:
        connection.close()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    HUEY.immediate = True  # tasks run in the thread that queues them: the big import's own thread
    call_command("migrate", verbosity=0, interactive=False)
    users = load_organisation(settings.CRM_DEMO_PASSWORD)
    load_dictionaries(users)
    connection.close()
    report: dict = {"writes": 0, "slowest": {}, "errors": [], "slow": [], "rows": rows, "database": connection.vendor,
                    "started": time.monotonic()}
    running = threading.Event()
    running.set()
    big = threading.Thread(target=big_import, args=(users["sales1"], rows, report))
    others = [
        threading.Thread(target=writer, args=("create", users["sales2"], running, report)),
        threading.Thread(target=writer, args=("create", users["manager"], running, report)),
        threading.Thread(target=writer, args=("import", users["admin"], running, report)),
    ]
    big.start()
    for thread in others:
        thread.start()
    big.join()
    running.clear()
    for thread in others:
        thread.join()
    report["slowest"] = {kind: round(seconds, 1) for kind, seconds in report["slowest"].items()}
    del report["started"]
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
