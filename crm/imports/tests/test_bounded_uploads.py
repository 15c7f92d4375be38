"""Uploads are read by the task queue, within bounds, and answered quickly whatever the file holds; no import
holds the database's write lock for long: it writes in short steps and undoes them if one fails."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from crm.audit.models import AuditEvent
from crm.customers.models import Contact, Customer, Tag
from crm.customers.services import create_customer
from crm.customers.services import imports as writes
from crm.imports import services
from crm.imports.models import ImportJob, ImportStep
from crm.imports.tests.sample_files import csv_upload, inline_cell, preview, raw_xlsx, run

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _in_english(org):
    for user in org.values():
        user.language = "en"
        user.save(update_fields=["language"])
    with translation.override("en"):
        yield


class QueuedTasks:
    """The task queue as the web process sees it: what is enqueued is stored, and runs only when a worker takes
    it (run_next(), here on the test's thread and connection)."""

    def __init__(self):
        HUEY.immediate = False
        HUEY.storage = MemoryStorage(HUEY.name)

    def run_next(self) -> str:
        task = HUEY.dequeue()
        # Inline again for the run: a real worker closes its database connection around a task, which would
        # close the test's own.
        HUEY.immediate = True
        HUEY.execute(task)
        return task.name


@pytest.fixture
def queued_tasks():
    yield QueuedTasks()
    HUEY.immediate = True


def test_the_upload_request_stores_the_file_and_the_task_queue_reads_it(api_client_for, rep, queued_tasks, settings):
    settings.CRM_IMPORT_UPLOAD_WAIT_SECONDS = 0.2
    client = api_client_for(rep)
    upload = csv_upload([["客户名称", "手机"], ["甲公司", "13800138000"], ["乙公司", ""]])
    response = client.post("/api/v1/imports/", {"entity": "customers", "file": upload}, format="multipart")
    # Answered before anything was parsed: the file waits for a worker.
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "reading" and job["headers"] == [] and job["total_rows"] == 0
    mapping = client.post(f"/api/v1/imports/{job['id']}/mapping/", {"mapping": {"客户名称": "name"}}, format="json")
    assert mapping.status_code == 400 and "still being read" in mapping.json()["error"]["message"]

    assert queued_tasks.run_next().endswith("read_upload_task")  # the worker's part
    job = client.get(f"/api/v1/imports/{job['id']}/").json()
    assert job["status"] == "draft" and job["headers"] == ["客户名称", "手机"] and job["total_rows"] == 2
    assert job["mapping"] == {"客户名称": "name", "手机": "contact_mobile"}


def test_a_file_refused_after_the_wait_fails_its_job_with_the_reason(
    api_client_for, client_for, rep, queued_tasks, settings
):
    settings.CRM_IMPORT_UPLOAD_WAIT_SECONDS = 0
    settings.CRM_IMPORT_MAX_COLUMNS = 3
    content = raw_xlsx(["".join(inline_cell(f"列{i}") for i in range(5)), inline_cell("甲")])
    upload = SimpleUploadedFile("w.xlsx", content)
    response = client_for(rep).post("/imports/new/", {"entity": "customers", "file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"  # the progress page: "Reading the file…"
    assert "Reading the file" in client_for(rep).get(response["Location"]).content.decode()
    assert queued_tasks.run_next().endswith("read_upload_task")
    job.refresh_from_db()
    assert job.status == "failed" and "more than 3 columns" in job.message and not job.file
    page = client_for(rep).get(f"/imports/{job.pk}/").content.decode()
    assert "nothing was imported" in page and "more than 3 columns" in page


@pytest.mark.parametrize(
    "make",
    [
        # A wide <dimension> and a row gap (20 s of CPU in the request before).
        lambda: raw_xlsx({1: inline_cell("客户名称", "A1"), 20000: inline_cell("炸弹测试", "A20000")}, "A1:XFD20000"),
        # One 150 MB cell in 150 KB (830 MB of worker memory and 157 MB of database before).
        lambda: raw_xlsx([inline_cell("客户名称"), inline_cell("A" * (150 * 1024 * 1024))]),
    ],
    ids=["gap", "zip-bomb"],
)
def test_hostile_workbooks_are_answered_within_seconds_with_the_reason(api_client_for, rep, make):
    content = make()
    started = time.perf_counter()
    response = api_client_for(rep).post(
        "/api/v1/imports/",
        {"entity": "customers", "file": SimpleUploadedFile("hostile.xlsx", content, content_type=XLSX)},
        format="multipart",
    )
    assert time.perf_counter() - started < 5
    assert response.status_code == 400
    assert "more than" in response.json()["error"]["fields"]["file"][0]
    assert not ImportJob.objects.exists()  # refused while the caller waited: nothing kept


def test_the_write_goes_in_short_steps_recorded_until_the_job_is_done(
    rep, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(writes, "WRITE_BATCH", 10)
    steps: list[int] = []
    original = services.ImportStep.objects.create

    def recorded(**kwargs):
        steps.append(kwargs["rows"])
        return original(**kwargs)

    monkeypatch.setattr(services.ImportStep.objects, "create", recorded)
    rows = [["客户名称"]] + [[f"分步公司{i}"] for i in range(35)]
    job = run(rep, preview(rep, csv_upload(rows)), django_capture_on_commit_callbacks)
    assert job.status == "done" and job.created_count == 35 and job.written_rows == 35
    assert steps == [0, 10, 10, 10, 5]  # tags and numbers, then a batch per step
    assert not ImportStep.objects.exists()


def test_a_failing_step_undoes_the_steps_before_it_updates_included(
    rep, monkeypatch, django_capture_on_commit_callbacks
):
    # Given customers the file updates (new phone, tags replaced) and creates, in steps of 10
    vip = Tag.objects.create(name="重点")
    kept = create_customer(actor=rep, data={"name": "老客户甲", "phone": "0571-88880000", "tags": ["重点"]})
    before = Customer.objects.values().get(pk=kept.pk)
    monkeypatch.setattr(writes, "WRITE_BATCH", 10)
    monkeypatch.setattr(writes, "UPDATE_BATCH", 1)
    create_customer(actor=rep, data={"name": "老客户乙"})
    update_batch, calls = writes.update_batch, []

    def crash_on_the_second_update(actor, batch, *rest):
        calls.append(batch)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return update_batch(actor, batch, *rest)

    rows = [["客户名称", "电话", "标签", "联系人", "手机"]]
    rows += [["老客户甲", "0571-99990000", "新标签", "赵六", "13900000001"], ["老客户乙", "", "", "", ""]]
    rows += [[f"撤销公司{i}", "", "新标签", f"人{i}", f"1370000{i:04d}"] for i in range(25)]
    job = preview(rep, csv_upload(rows), policy="update")
    monkeypatch.setattr(writes, "update_batch", crash_on_the_second_update)
    audit_rows = AuditEvent.objects.count()
    job = run(rep, job, django_capture_on_commit_callbacks)

    # Then the 25 created customers (3 committed steps), the committed update and the new tag are all gone again
    assert len(calls) == 2
    assert job.status == "failed" and "internal error" in job.message and job.written_rows == 0
    assert not Customer.all_objects.filter(name__startswith="撤销公司").exists()
    assert not Contact.objects.filter(name__in=["赵六", *[f"人{i}" for i in range(25)]]).exists()
    assert Customer.objects.values().get(pk=kept.pk) == before
    assert [t.name for t in Customer.objects.get(pk=kept.pk).tags.all()] == ["重点"]
    assert set(Tag.objects.values_list("name", flat=True)) == {vip.name}
    assert AuditEvent.objects.count() == audit_rows
    assert not ImportStep.objects.exists()


def test_an_import_whose_worker_died_mid_write_is_undone(rep, monkeypatch, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(writes, "WRITE_BATCH", 10)
    job = preview(rep, csv_upload([["客户名称"]] + [[f"中断公司{i}"] for i in range(30)]))
    services.queue_import(actor=rep, job=job)  # queued (the callback is not run: no worker took it)
    importer = services.importer_for(rep, "customers")
    analysis = services._planned(job, rep, importer, progress=lambda done: None)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    # The worker wrote two steps, then died.
    for number, step in zip(range(3), importer.write_steps(actor=rep, analysis=analysis), strict=False):
        done = step()
        ImportStep.objects.create(job=job, number=number, rows=done.rows, undo=done.undo)
    assert Customer.objects.filter(name__startswith="中断公司").count() == 20
    assert services.undo_interrupted_imports() == []  # still within the time a step may take
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))

    assert services.undo_interrupted_imports() == [job.pk]
    job.refresh_from_db()
    assert job.status == "failed" and "interrupted" in job.message
    assert not Customer.all_objects.filter(name__startswith="中断公司").exists()
    assert not ImportStep.objects.exists()
