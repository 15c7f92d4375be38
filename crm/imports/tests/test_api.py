"""/api/v1/imports/: the same workflow, rules and messages as the pages."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.customers.models import Customer
from crm.imports.models import ImportJob
from crm.imports.tests.sample_files import csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(org):
    for user in org.values():
        user.language = "en"
        user.save(update_fields=["language"])
    with translation.override("en"):
        yield


def test_upload_map_preview_run_status_and_report(api_client_for, rep, django_capture_on_commit_callbacks):
    client = api_client_for(rep)
    upload = xlsx_upload(
        [
            ["Company name", "E-mail", "Mobile", "Contact"],
            ["Acme Ltd", "sales@acme.cn", "13800138000", "Tom"],
            ["Bad Mail Ltd", "sales@", "", ""],
        ]
    )
    response = client.post("/api/v1/imports/", {"entity": "customers", "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "draft" and job["file_format"] == "xlsx" and job["total_rows"] == 2
    assert job["mapping"] == {
        "Company name": "name",
        "E-mail": "email",
        "Mobile": "contact_mobile",
        "Contact": "contact_name",
    }

    url = f"/api/v1/imports/{job['id']}/"
    response = client.post(f"{url}mapping/", {"mapping": job["mapping"], "duplicate_policy": "skip"}, format="json")
    assert response.status_code == 200 and response.json()["duplicate_policy"] == "skip"

    response = client.post(f"{url}preview/")
    body = response.json()
    assert body["status"] == "previewed" and body["created_count"] == 1 and body["error_count"] == 1
    assert body["issues"] == [
        {
            "row": 3,
            "action": "error",
            "duplicate_of": "",
            "duplicate_url": "",
            "messages": ["E-mail: “sales@” is not a valid e-mail address."],
        }
    ]
    assert not Customer.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}run/")
    assert response.status_code == 202
    status = client.get(url).json()
    assert status["status"] == "done" and status["progress"] == 100 and status["created_count"] == 1
    assert Customer.objects.get().contacts.get().name == "Tom"

    report = client.get(f"{url}report/")
    assert report.status_code == 200 and report.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[1][:3] == ["3", "Error", "E-mail: “sales@” is not a valid e-mail address."]


def test_the_fields_of_an_entity(api_client_for, rep):
    fields = api_client_for(rep).get("/api/v1/imports/fields/?entity=customers").json()
    assert fields[0] == {"key": "name", "label": "Customer name", "required": True, "help_text": ""}
    assert {"contact_mobile", "industry", "tags", "owner"} <= {f["key"] for f in fields}


def test_without_the_import_right_the_api_answers_403(api_client_for, org):
    client = api_client_for(org["marketing1"])
    response = client.post(
        "/api/v1/imports/", {"entity": "customers", "file": csv_upload([["a"], ["b"]])}, format="multipart"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert client.get("/api/v1/imports/").status_code == 403
    assert client.get("/api/v1/imports/fields/?entity=customers").status_code == 403
    assert not ImportJob.objects.exists()


def test_bad_input_answers_400_with_the_reason(api_client_for, rep):
    client = api_client_for(rep)
    response = client.post(
        "/api/v1/imports/",
        {"entity": "customers", "file": SimpleUploadedFile("a.csv", bytes(range(256)) * 10)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "not a CSV text file" in response.json()["error"]["fields"]["file"][0]
    response = client.post(
        "/api/v1/imports/", {"entity": "spaceships", "file": csv_upload([["a"], ["b"]])}, format="multipart"
    )
    assert response.status_code == 400 and "spaceships" in response.json()["error"]["fields"]["entity"][0]
    response = client.post("/api/v1/imports/", {"entity": "customers"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]

    job = client.post(
        "/api/v1/imports/", {"entity": "customers", "file": csv_upload([["客户名称"], ["甲"]])}, format="multipart"
    ).json()
    url = f"/api/v1/imports/{job['id']}/"
    response = client.post(f"{url}mapping/", {"mapping": {"客户名称": "shoe_size"}}, format="json")
    assert response.status_code == 400 and "shoe_size" in response.json()["error"]["fields"]["mapping"][0]
    response = client.post(f"{url}mapping/", {"mapping": {"no such column": "name"}}, format="json")
    assert response.status_code == 400
    response = client.post(f"{url}run/")
    assert response.status_code == 400 and "preview" in response.json()["error"]["message"]
    assert ImportJob.objects.get().status == "draft"


def test_another_users_job_is_not_found(api_client_for, rep, other_rep):
    job = (
        api_client_for(rep)
        .post(
            "/api/v1/imports/", {"entity": "customers", "file": csv_upload([["客户名称"], ["甲"]])}, format="multipart"
        )
        .json()
    )
    client = api_client_for(other_rep)
    assert client.get(f"/api/v1/imports/{job['id']}/").status_code == 404
    assert client.post(f"/api/v1/imports/{job['id']}/preview/").status_code == 404
    assert client.get(f"/api/v1/imports/{job['id']}/report/").status_code == 404
    assert client.get("/api/v1/imports/").json()["count"] == 0
