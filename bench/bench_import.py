"""Import of 100,000 CSV rows (GB18030, as Excel writes it in China) with duplicate detection against the
benchmark database, next to the same lookups and inserts as raw SQL.

    CRM_DATA_DIR=/tmp/bench .venv/bin/python bench/bench_import.py   # BENCH_RUNS=3, BENCH_ROWS=100000

Each run: upload (read and store the file) → mapping → preview (dry run: validation and duplicate lookups,
the plan saved) → run (the plan, re-checked against customers changed since the preview and every contact,
then one transaction of inserts, the search index filled at its end). A tenth of the rows repeat the name,
phone or contact mobile of an existing customer and are skipped as duplicates. Everything a run imports is
deleted afterwards (customers, their contacts, their search-index entries, the job, its audit rows), so the
database is left as it was.

The raw-SQL baseline runs the same statements with every value prepared beforehand, inside a transaction that
is rolled back: the preview's SELECTs (name_key, phone, email, contact mobile/e-mail blind indexes, in chunks),
the run's (customers changed since, contact blind indexes), the INSERTs (customers, contacts) and, on SQLite, the
one statement per table that fills the search index (PostgreSQL's trigram index follows the inserts). The ratio
is what parsing, validation, pinyin, encryption, the plan and Django add.
"""

from __future__ import annotations

import csv
import io
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from huey.contrib.djhuey import HUEY  # noqa: E402

from crm.accounts.models import User  # noqa: E402
from crm.audit.models import AuditEvent  # noqa: E402
from crm.core.crypto import blind_index, encrypt  # noqa: E402
from crm.core.fulltext import search_index_filled_in_bulk  # noqa: E402
from crm.core.pinyin import search_text  # noqa: E402
from crm.customers.models import Contact, Customer, name_key  # noqa: E402
from crm.imports import services  # noqa: E402
from crm.imports.models import ImportJob, ImportMapping  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
DUPLICATE_SHARE = 0.1
CHUNK = 900
HUEY.immediate = True  # the job runs in this process, as the consumer would run it

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "西安", "宁波", "青岛"]
TRADES = ["科技", "贸易", "物流", "制造", "电子", "软件", "食品", "建材", "化工", "纺织", "医疗器械", "咨询"]
# Brand names from pairs of common characters: almost every name differs, so pinyin is worked out for each.
CHARS = (
    "安百宝邦博昌辰诚达大德鼎东丰福富光广国海汉和恒弘鸿华辉汇佳嘉金锦晶景骏凯康坤蓝力立联良林隆美明"
    "南鹏平启强庆瑞润森盛胜晟拓泰天通同万伟文祥新鑫信星兴旭亚扬阳耀亿益盈永友宇远源悦云泽长振正中众卓"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超华平刚"
HEADINGS = ["客户名称", "电话", "邮箱", "行业", "级别", "联系人", "手机", "联系人邮箱"]
INDUSTRIES = ["信息技术", "制造业", "retail", "Finance", "物流"]


def make_rows(rng: random.Random, tag: str) -> tuple[list[list[str]], int]:
    """ROWS data rows; DUPLICATE_SHARE of them repeat an existing customer's name, phone or contact mobile."""
    duplicates = int(ROWS * DUPLICATE_SHARE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM customers_customer")
        top = cursor.fetchone()[0]
    picks = rng.sample(range(1, top + 1), duplicates * 2)
    existing = list(Customer.objects.filter(pk__in=picks).values_list("name", "phone")[:duplicates])
    rows = []
    for i in range(ROWS - len(existing)):
        brand = rng.choice(CHARS) + rng.choice(CHARS) + rng.choice(CHARS)
        name = f"{rng.choice(CITIES)}{brand}{rng.choice(TRADES)}有限公司{tag}{i}"
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        rows.append(
            [
                name,
                f"0{rng.randint(10, 999)}-{rng.randint(10_000_000, 99_999_999)}",
                f"imp{tag}.{i}@bench.cn",
                rng.choice(INDUSTRIES),
                rng.choice("ABCD"),
                person,
                f"19{rng.randint(100_000_000, 999_999_999)}",
                f"p{tag}.{i}@bench.cn",
            ]
        )
    for n, (name, phone) in enumerate(existing):
        row = [f"新客户{tag}{n}", "", "", "", "", "", "", ""]
        if n % 2:
            row[0] = name  # same name
        else:
            row[1] = phone  # same phone
        rows.append(row)
    rng.shuffle(rows)
    return rows, len(existing)


def gb18030_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return buffer.getvalue().encode("gb18030")


def import_once(actor: User, content: bytes) -> tuple[dict[str, float], ImportJob]:
    times = {}
    started = time.perf_counter()
    job = services.start_import(
        actor=actor, entity="customers", upload=SimpleUploadedFile("bench.csv", content, content_type="text/csv")
    )
    services.set_mapping(actor=actor, job=job, mapping=job.mapping, duplicate_policy="skip")
    times["upload"] = time.perf_counter() - started
    started = time.perf_counter()
    services.preview_import(actor=actor, job=job)
    times["preview"] = time.perf_counter() - started
    started = time.perf_counter()
    services.queue_import(actor=actor, job=job)
    job.refresh_from_db()
    times["run"] = time.perf_counter() - started
    assert job.status == "done", (job.status, job.message)
    return times, job


def clean_up(actor: User, since, job: ImportJob) -> None:
    """Deletes what the run imported (raw SQL: a million-row table and ORM cascades do not mix quickly)."""
    imported = (
        "SELECT id FROM customers_customer WHERE created_by_id = %s AND created_at >= %s AND email LIKE '%%@bench.cn'"
    )
    started, since = since, connection.ops.adapt_datetimefield_value(since)
    with transaction.atomic(), connection.cursor() as cursor:
        # The search index's delete triggers, one statement per row, would take minutes: drop them, remove the
        # rows' index entries in one statement per table, and put the triggers back (all in this transaction).
        # (PostgreSQL's trigram index has no triggers: plain deletes.)
        cursor.execute(f"CREATE TEMP TABLE bench_gone AS {imported}", [actor.pk, since])
        for table, key in (("customers_contact", "customer_id"), ("customers_customer", "id")):
            trigger = None
            if connection.vendor == "sqlite":
                name = f"{table}_search_delete"
                cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
                trigger = cursor.fetchone()
            if trigger:
                cursor.execute(f'DROP TRIGGER "{table}_search_delete"')
                # Every column of the index, padded as indexed (the customer's holds its phone and e-mail too).
                cursor.execute("SELECT name FROM pragma_table_info(%s)", [f"{table}_search"])
                columns = [row[0] for row in cursor.fetchall()]
                padded = ", ".join(f"' ' || coalesce({name}, '') || '  '" for name in columns)
                cursor.execute(
                    f"INSERT INTO {table}_search({table}_search, rowid, {', '.join(columns)}) SELECT 'delete', id, "
                    f"{padded} FROM {table} WHERE {key} IN (SELECT id FROM bench_gone)"
                )
            if table == "customers_contact":
                cursor.execute("DELETE FROM customers_customer_tags WHERE customer_id IN (SELECT id FROM bench_gone)")
            cursor.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM bench_gone)")
            if trigger:
                cursor.execute(trigger[0])
        cursor.execute("DROP TABLE bench_gone")
        AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, object_id=str(job.pk)).delete()
        # the per-record create rows of the imported customers and contacts
        AuditEvent.objects.filter(actor=actor, action=AuditEvent.Action.CREATE, created_at__gte=started).delete()
        ImportJob.objects.filter(pk=job.pk).delete()


def raw_sql_once(actor: User, rows: list[list[str]]) -> float:
    """The same duplicate lookups and inserts as plain SQL with prepared values, rolled back afterwards."""
    keys = list({name_key(r[0]) for r in rows})
    phones = list({r[1].replace("-", "") for r in rows if r[1]} | {r[6] for r in rows if r[6]})
    emails = list({r[2] for r in rows if r[2]} | {r[7] for r in rows if r[7]})
    mobile_indexes = [blind_index(p) for p in phones]
    email_indexes = [blind_index(e) for e in emails]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    new = [r for r in rows if r[2]]
    customer_values = [
        (
            r[0],
            "company",
            r[1].replace("-", ""),
            r[2],
            "it",
            "",
            r[4],
            "",
            "",
            "prospect",
            False,
            search_text(r[0]),  # the phone and e-mail are indexed from their own columns
            name_key(r[0]),
            actor.pk,
            actor.department_id,
            actor.pk,
            now,
            now,
            "",
            "",
            "",
            "",
            1,
        )
        for r in new
    ]
    contact_rows = [
        (
            r[5],
            "",
            "",
            encrypt(r[6]),
            encrypt(r[7]),
            "",
            blind_index(r[6]),
            blind_index(r[7]),
            "",
            r[5],
            True,
            False,
            "",
            "",
            now,
            now,
            1,
        )
        for r in new
    ]

    def lookup(cursor, column: str, values: list[str], table: str) -> None:
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {column}, id FROM {table} WHERE {column} IN ({marks})", chunk)
            cursor.fetchall()

    customer_sql = (
        "INSERT INTO customers_customer (name, kind, phone, email, industry, source, level, address, remark, "
        "lifecycle_stage, lifecycle_locked, search_text, name_key, owner_id, department_id, created_by_id, "
        "created_at, updated_at, customer_type, scale, credit_rating, city, version) VALUES ("
        + ", ".join(["%s"] * 23)
        + ")"
    )
    contact_sql = (
        "INSERT INTO customers_contact (name, title, gender, mobile, email, id_number, mobile_index, "
        "email_index, id_number_index, search_text, customer_id, is_primary, consent_given, consent_source, "
        "remark, created_at, updated_at, version) VALUES (" + ", ".join(["%s"] * 18) + ")"
    )
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # the preview's lookups
            for column, values, table in (
                ("name_key", keys, "customers_customer"),
                ("phone", phones, "customers_customer"),
                ("email", emails, "customers_customer"),
                ("mobile_index", mobile_indexes, "customers_contact"),
                ("email_index", email_indexes, "customers_contact"),
            ):
                lookup(cursor, column, values, table)
            cursor.execute("SELECT max(id) FROM customers_customer")
            mark = cursor.fetchone()[0]
            # the run's: customers changed since the preview, every contact
            cursor.execute(
                "SELECT id, name_key, phone, email FROM customers_customer WHERE id > %s OR updated_at >= %s",
                [mark, now],
            )
            cursor.fetchall()
            lookup(cursor, "mobile_index", mobile_indexes, "customers_contact")
            lookup(cursor, "email_index", email_indexes, "customers_contact")
            with search_index_filled_in_bulk(Customer), search_index_filled_in_bulk(Contact):
                cursor.executemany(customer_sql, customer_values)
                cursor.execute(LAST_ID[connection.vendor])
                last = cursor.fetchone()[0]
                ids = range(last - len(customer_values) + 1, last + 1)
                cursor.executemany(
                    contact_sql, [(*c[:10], cid, *c[10:]) for c, cid in zip(contact_rows, ids, strict=True)]
                )
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed


# The id of the last row inserted by this connection (one transaction, no other writer: the ids are consecutive).
LAST_ID = {
    "sqlite": "SELECT last_insert_rowid()",
    "postgresql": "SELECT currval(pg_get_serial_sequence('customers_customer', 'id'))",
}


class _Rollback(Exception):
    pass


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", "imports", verbosity=0)  # the import tables, if the database predates them
    actor = User.objects.get(username="sales1")
    print(
        f"customers: {Customer.objects.count():,}   rows per file: {ROWS:,} "
        f"({DUPLICATE_SHARE:.0%} duplicates of existing customers)   importer: sales1   runs: {RUNS}, median"
    )
    totals, phases, raws, cpu = [], {"upload": [], "preview": [], "run": []}, [], []
    ImportMapping.objects.filter(entity="customers").delete()
    for stale in ImportJob.objects.filter(user=actor, original_name="bench.csv"):  # of an interrupted run
        stale.file.delete(save=False)
        stale.delete()
    for run in range(RUNS):
        rng = random.Random(20261125 + run)
        rows, duplicates = make_rows(rng, tag=f"b{run}")
        content = gb18030_csv(rows)
        since = timezone.now()
        cpu_started = time.process_time()  # next to the wall time: what a machine shared with other work cannot inflate
        times, job = import_once(actor, content)
        cpu.append(time.process_time() - cpu_started)
        try:
            # A random phone can hit one of the million by chance: a few more duplicates than planted is fine.
            assert job.error_count == 0 and job.created_count + job.skipped_count == ROWS, (
                job.created_count,
                job.skipped_count,
                job.error_count,
            )
            assert duplicates <= job.skipped_count <= duplicates + ROWS // 1000, job.skipped_count
        finally:
            clean_up(actor, since, job)
        for phase, seconds in times.items():
            phases[phase].append(seconds)
        totals.append(sum(times.values()))
        raws.append(raw_sql_once(actor, rows))
        print(
            f"  run {run + 1}: upload {times['upload']:.1f}s, preview {times['preview']:.1f}s, "
            f"run {times['run']:.1f}s = {totals[-1]:.1f}s (CPU {cpu[-1]:.1f}s); raw SQL {raws[-1]:.1f}s; "
            f"load average {os.getloadavg()[0]:.1f}; "
            f"{job.created_count:,} created, {job.skipped_count:,} duplicates skipped"
        )
    ImportMapping.objects.filter(entity="customers").delete()
    total, raw = statistics.median(totals), statistics.median(raws)
    print(
        f"{'import of 100,000 CSV rows (upload + preview + run)' if ROWS == 100_000 else 'import'}: "
        f"{total:.1f} s  (upload {statistics.median(phases['upload']):.1f}, "
        f"preview {statistics.median(phases['preview']):.1f}, run {statistics.median(phases['run']):.1f})   "
        f"raw SQL: {raw:.1f} s   ratio {total / raw:.1f}×   target ≤ 30 s"
    )


if __name__ == "__main__":
    main()
