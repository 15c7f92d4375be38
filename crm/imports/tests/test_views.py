"""The import pages: upload → mapping → preview → run → result, the report, bad files and who may do it."""

import csv
import io

import pytest
from django.utils import translation

from crm.customers.models import Customer
from crm.customers.services import create_customer
from crm.imports import services
from crm.imports.models import ImportJob, ImportMapping
from crm.imports.tests.sample_files import csv_bytes, csv_upload, preview

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(rep, other_rep, org):
    """Pages in English (the users' preferred language), so the assertions read the English text."""
    for user in org.values():
        user.language = "en"
        user.save(update_fields=["language"])
    with translation.override("en"):
        yield


def test_the_customer_list_offers_import_only_to_roles_that_may_import(client_for, rep, org):
    assert 'id="import-button"' in client_for(rep).get("/customers/").content.decode()
    assert 'id="import-button"' not in client_for(org["marketing1"]).get("/customers/").content.decode()


def test_without_the_import_right_every_page_is_refused(client_for, rep, org):
    job = preview(rep, csv_upload([["客户名称"], ["甲公司"]]))
    client = client_for(org["marketing1"])
    assert client.get("/imports/new/").status_code == 403
    assert client.get("/imports/new/?entity=customers").status_code == 403
    assert client.post("/imports/new/", {"entity": "customers", "file": csv_upload([["a"], ["b"]])}).status_code == 403
    assert client.get("/imports/").status_code == 403
    assert client.get(f"/imports/{job.pk}/preview/").status_code == 404  # someone else's upload
    # The rep's role loses the right: their own jobs are closed to them too.
    from crm.accounts.models import Role

    role = Role.objects.get(code="sales_rep")
    role.permissions = [p for p in role.permissions if p != "customers.import"]
    role.save()
    client = client_for(rep)
    for url in ("preview/", "mapping/", "report/", ""):
        assert client.get(f"/imports/{job.pk}/{url}").status_code == 403
    assert client.post(f"/imports/{job.pk}/run/").status_code == 403
    assert ImportJob.objects.get(pk=job.pk).status == "previewed"


def test_the_whole_flow_through_the_pages(client_for, rep, other_rep, django_capture_on_commit_callbacks):
    create_customer(actor=other_rep, data={"name": "宁波远航物流有限公司", "phone": "0574-66660000"})
    client = client_for(rep)
    rows = [
        ["单位名称", "座机", "电子邮件", "所属行业", "备注"],
        ["杭州星河软件有限公司", "0571-88886666", "info@xinghe.cn", "信息技术", "展会"],
        ["坏邮箱公司", "", "not-an-email", "", ""],
        ["宁波远航物流", "0574 6666 0000", "", "", ""],
        ["无名行业公司", "", "", "航天", ""],
    ]
    response = client.post(
        "/imports/new/", {"entity": "customers", "file": csv_upload(rows, "gb18030", name="客户.csv")}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/mapping/"

    page = client.get(response["Location"]).content.decode()
    assert "单位名称" in page and "杭州星河软件有限公司" in page  # headings with sample values
    assert '<option value="name" selected>' in page  # guessed from the Chinese heading
    form = {f"column_{i}": job.mapping.get(h, "") for i, h in enumerate(job.headers)}
    assert form == {
        "column_0": "name",
        "column_1": "phone",
        "column_2": "email",
        "column_3": "industry",
        "column_4": "remark",
    }
    response = client.post(f"/imports/{job.pk}/mapping/", {**form, "duplicate_policy": "skip"})
    assert response["Location"] == f"/imports/{job.pk}/preview/"

    page = client.get(response["Location"]).content.decode()
    assert 'data-row="3"' in page and "not-an-email" in page
    assert 'data-row="4"' in page and "A customer you cannot see" in page
    assert 'data-row="5"' in page and "航天" in page
    assert 'data-row="2"' not in page
    assert "Import 1 row" in page
    assert Customer.objects.filter(owner=rep).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/run/")
    assert response["Location"] == f"/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Import finished: 1 created, 0 updated, 3 skipped." in page
    assert Customer.objects.get(owner=rep).name == "杭州星河软件有限公司"

    report = client.get(f"/imports/{job.pk}/report/")
    assert report["Content-Type"].startswith("text/csv")
    assert "attachment" in report["Content-Disposition"]
    assert report.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["Row", "Result", "Problem", "Duplicate of", *rows[0]]
    assert [line[:2] for line in lines[1:]] == [["3", "Error"], ["4", "Skipped"], ["5", "Error"]]
    assert lines[1][4:] == rows[2]  # the original cells, to fix and import again


def test_a_mapping_is_remembered_for_the_same_headings(client_for, rep, other_rep):
    headings = ["甲方", "联络电话", "随便什么"]
    job = services.start_import(actor=rep, entity="customers", upload=csv_upload([headings, ["甲", "", "x"]]))
    assert job.mapping == {}  # nothing to guess from these headings
    client_for(rep).post(
        f"/imports/{job.pk}/mapping/",
        {"column_0": "name", "column_1": "phone", "column_2": "", "duplicate_policy": "update"},
    )
    assert ImportMapping.objects.filter(user=rep).count() == 1

    # The same headings in another order, in another file: mapped as last time
    again = services.start_import(
        actor=rep, entity="customers", upload=csv_upload([["联络电话", "甲方", "随便什么"], ["", "乙", ""]])
    )
    assert again.mapping == {"甲方": "name", "联络电话": "phone"}
    # Someone else with no mapping of their own gets the last one anybody confirmed
    theirs = services.start_import(actor=other_rep, entity="customers", upload=csv_upload([headings, ["丙", "", ""]]))
    assert theirs.mapping == {"甲方": "name", "联络电话": "phone"}
    # Different headings: a fresh guess
    other = services.start_import(actor=rep, entity="customers", upload=csv_upload([["客户名称"], ["丁"]]))
    assert other.mapping == {"客户名称": "name"}


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "file is empty"),  # Django's own check of an empty upload
        (b" \r\n", "a.csv", "The file is empty."),
        (bytes(range(256)) * 40, "a.csv", "not a CSV text file"),
        (b"%PDF-1.4", "a.pdf", "Upload a .csv or .xlsx file."),
        ("客户名称\r\n".encode("gb18030"), "a.csv", "no data rows"),
        (b"PK\x03\x04garbage", "a.xlsx", "not a valid .xlsx"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_stored(client_for, rep, content, name, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(rep).post("/imports/new/", {"entity": "customers", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_too_many_rows_are_refused(client_for, rep, settings):
    settings.CRM_IMPORT_MAX_ROWS = 5
    rows = [["客户名称"]] + [[f"客户{i}"] for i in range(6)]
    response = client_for(rep).post("/imports/new/", {"entity": "customers", "file": csv_upload(rows)})
    assert "more than 5 data rows" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_mapping_without_the_name_is_refused(client_for, rep):
    job = services.start_import(actor=rep, entity="customers", upload=csv_upload([["客户名称", "电话"], ["甲", ""]]))
    response = client_for(rep).post(
        f"/imports/{job.pk}/mapping/", {"column_0": "", "column_1": "phone", "duplicate_policy": "skip"}
    )
    assert (
        response.status_code == 200
        and "Map a column to each required field: Customer name" in response.content.decode()
    )
    response = client_for(rep).post(
        f"/imports/{job.pk}/mapping/", {"column_0": "name", "column_1": "name", "duplicate_policy": "skip"}
    )
    assert "Two columns are mapped" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "draft"


def test_the_policy_can_be_changed_on_the_preview(client_for, rep):
    create_customer(actor=rep, data={"name": "甲公司"})
    job = preview(rep, csv_upload([["客户名称", "备注"], ["甲公司", "新"]]))
    assert job.issues[0]["action"] == "skip"
    client_for(rep).post(f"/imports/{job.pk}/preview/", {"duplicate_policy": "update"})
    job.refresh_from_db()
    assert job.duplicate_policy == "update" and job.issues[0]["action"] == "update" and job.updated_count == 1


def test_the_progress_panel_polls_until_the_job_is_finished(client_for, rep):
    job = preview(rep, csv_upload([["客户名称"], ["甲公司"], ["乙公司"]]))
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1)
    client = client_for(rep)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert f'hx-get="/imports/{job.pk}/progress/"' in page and "Checking rows: 1 of 2" in page
    assert 'aria-valuenow="50"' in client.get(f"/imports/{job.pk}/progress/").content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    response = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_a_job_runs_once_however_often_run_is_pressed(client_for, rep, django_capture_on_commit_callbacks):
    job = preview(rep, csv_upload([["客户名称"], ["甲公司"]]))
    client = client_for(rep)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/run/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/run/")
    assert response["Location"] == f"/imports/{job.pk}/preview/"
    assert Customer.objects.filter(name="甲公司").count() == 1


def test_my_imports_lists_only_mine(client_for, rep, other_rep):
    preview(rep, csv_upload([["客户名称"], ["甲"]], name="mine.csv"))
    preview(other_rep, csv_upload([["客户名称"], ["乙"]], name="theirs.csv"))
    page = client_for(rep).get("/imports/").content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page


def test_csv_bytes_round_trip_helper_is_what_excel_writes():
    # The GBK bytes of 客户 are C0 CD BB A7: the test files really are in GBK, not UTF-8.
    assert csv_bytes([["客户"]], "gb18030").startswith(b"\xbf\xcd\xbb\xa7")


def test_a_large_file_is_checked_in_the_background_with_the_progress_page(
    client_for, rep, settings, django_capture_on_commit_callbacks
):
    settings.CRM_IMPORT_INLINE_PREVIEW_ROWS = 2
    client = client_for(rep)
    client.post("/imports/new/", {"entity": "customers", "file": csv_upload([["客户名称"], ["甲"], ["乙"], ["丙"]])})
    job = ImportJob.objects.get()
    form = {"column_0": "name", "duplicate_policy": "skip"}
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(f"/imports/{job.pk}/mapping/", form)
    # The request answers at once with the progress page; nothing has been checked yet
    assert response["Location"] == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "checking" and len(queued) == 1
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Checking the file (nothing is imported yet): 0 of 3 rows" in page
    assert client.get(f"/imports/{job.pk}/preview/")["Location"] == f"/imports/{job.pk}/"
    # When the task queue has checked it, the page reloads into the preview
    queued[0]()
    response = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    assert client.get(f"/imports/{job.pk}/")["Location"] == f"/imports/{job.pk}/preview/"
    assert "Import 3 rows" in client.get(f"/imports/{job.pk}/preview/").content.decode()
