"""The audit viewer reads as a person would say it: field and dictionary labels, people's names, one-line summaries
of imports, exports and merges, the address of every event, a link to each record the reader may open."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.accounts.models import Role, User
from crm.audit.models import AuditEvent
from crm.audit.services import record_event
from crm.audit.tests.varied import write_varied_events
from crm.core.request_context import client_ip_var
from crm.customers.models import Customer
from crm.imports import services as imports

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(org, django_capture_on_commit_callbacks):
    def run_import(actor, job):
        with django_capture_on_commit_callbacks(execute=True):  # the task queue runs the job after the commit
            imports.queue_import(actor=actor, job=job)
        job.refresh_from_db()
        return job

    return write_varied_events(org, run_import)


def _rows_html(page: str) -> dict[int, str]:
    """{event id: the HTML of its row}."""
    starts = [(m.start(), int(m.group(1))) for m in re.finditer(r'<li class="row[^"]*" data-event="(\d+)"', page)]
    return {pk: page[start:starts[n + 1][0] if n + 1 < len(starts) else page.index("</ol>", start)]
            for n, (start, pk) in enumerate(starts)}


def rows_of(page: str) -> dict[int, str]:
    """{event id: the text of its row, tags stripped and spaces collapsed}."""
    return {pk: re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))).strip()
            for pk, row in _rows_html(page).items()}


def row_html(page: str, event: AuditEvent) -> str:
    return _rows_html(page)[event.pk]


def event(action: str, **lookup) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, **lookup).latest("id")


def read(client, language: str, **query) -> str:
    response = client.get(reverse("audit:list"), query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_changes_read_with_labels_dictionary_labels_and_names_in_english(client_for, admin_user, trail):
    customer = trail["customer"]
    page = read(client_for(admin_user), "en")
    rows = rows_of(page)
    update = rows[event("update", object_id=str(customer.pk)).pk]
    assert "王经理" in update and "manager" not in update  # the actor by name, not by login
    assert "Industry : Information technology → Finance" in update  # dictionary labels, not it → finance
    assert "Level : Regular → Key account" in update
    assert "Owner : 张伟 → 李娜" in update
    assert "Lifecycle stage : Prospect → Active" in update  # a choice by its label
    assert "Stage set by hand : No → Yes" in update  # a boolean in words

    created = rows[event("create", object_id=str(customer.pk), content_type__model="customer").pk]
    assert "Source : Exhibition" in created and "Tags : 重点" in created and "Collaborators : 李娜" in created
    assert "ID :" not in created  # the record column already names it
    # The long remark is cut short, with the whole of it one click away.
    remark = row_html(page, event("create", object_id=str(customer.pk), content_type__model="customer"))
    assert "<details" in remark and customer.remark in html.unescape(remark)

    activity = rows[event("create", content_type__model="activity").pk]
    assert "Type : Visit" in activity and "Logged by : 李娜" in activity
    assert re.search(r"When : \d{4}-\d{2}-\d{2} \d{2}:\d{2}(?!:)", activity)  # one date format

    claim = rows[event("pool_claim").pk]
    assert "Claimed from the pool" in claim and "Owner : — → 李娜" in claim
    returned = rows[event("pool_return").pk]
    assert "System" in returned and "Owner : 张伟 → —" in returned  # the nightly rule acts as nobody
    assert rows[event("login_failed").pk].startswith(event("login_failed").created_at.strftime("%Y-%m-%d"))
    assert "李娜" in rows[event("login_failed").pk]  # the typed login, shown as whose it is
    assert "User : 李娜" in rows[event("sign_in_unlock").pk]
    assert "Position : 销售代表 → 高级销售代表" in rows[event("update", content_type__model="user").pk]


def test_imports_exports_and_merges_read_as_one_line_in_english(client_for, admin_user, trail):
    page = read(client_for(admin_user), "en")
    rows = rows_of(page)
    imported = rows[event("import").pk]
    assert "Imported 3 rows into Customers: 3 new, 0 updated, 0 skipped." in imported
    assert "展会名单.csv" in imported and "file" not in imported.lower().replace("展会名单.csv", "")
    exported = rows[event("export").pk]
    assert "Exported 350 rows of customers (XLSX; filters: Industry = Finance, Owner = 张伟)" in exported
    survivor, duplicates = trail["survivor"], trail["duplicates"]
    merged = rows[event("merge", object_id=str(survivor.pk)).pk]
    assert "Merged 2 customers into this one: 苏州智造（重复1）, 苏州智造（重复2）" in merged
    assert f"Merged into {survivor.name}." in rows[event("merge", object_id=str(duplicates[0].pk)).pk]
    assert "Viewed unmasked: Mobile, E-mail, ID number" in rows[event("unmask").pk]


def test_the_page_reads_in_chinese(client_for, admin_user, trail):
    customer = trail["customer"]
    page = read(client_for(admin_user), "zh-hans")
    rows = rows_of(page)
    update = rows[event("update", object_id=str(customer.pk)).pk]
    assert "修改" in update and "王经理" in update
    assert "行业 ： 信息技术 → 金融" in update and "级别 ： 普通客户 → 重要客户" in update
    assert "负责人 ： 张伟 → 李娜" in update and "生命周期阶段 ： 潜在 → 活跃" in update
    assert "否 → 是" in update
    assert "从公海领取" in rows[event("pool_claim").pk]
    # The summaries carry the numbers and today's names (their sentences are translated with the catalogue).
    assert "3" in rows[event("import").pk] and "客户" in rows[event("import").pk]
    assert "350" in rows[event("export").pk] and "行业 = 金融" in rows[event("export").pk]
    assert "苏州智造（重复1）" in rows[event("merge", object_id=str(trail["survivor"].pk)).pk]


def test_a_record_is_linked_when_it_exists_and_the_reader_may_open_it(client_for, admin_user, org, trail):
    page = read(client_for(admin_user), "en")
    customer, gone = trail["customer"], trail["duplicates"][0]
    assert f'href="{customer.get_absolute_url()}"' in row_html(page, event("update", object_id=str(customer.pk)))
    assert "href=" not in row_html(page, event("merge", object_id=str(gone.pk)))  # merged away: no page left
    assert f'href="{trail["job"].get_absolute_url()}"' in row_html(page, event("import"))

    # An auditor whose data scope is their own records reads the whole trail, but is led to no one else's.
    auditor = User.objects.create_user(username="auditor", name="审计员", department=org["admin"].department)
    auditor.roles.add(Role.objects.create(code="auditor", name="审计员", data_scope="own",
                                          permissions=["system.view", "customers.view"]))
    theirs = Customer.objects.create(name="审计员自己的客户", owner=auditor, department=auditor.department)
    record_event(actor=auditor, action="update", instance=theirs, changes={"city": ["", "杭州"]})
    page = read(client_for(auditor), "en")
    assert "href=" not in row_html(page, event("update", object_id=str(customer.pk)))
    assert f'href="{theirs.get_absolute_url()}"' in row_html(page, event("update", object_id=str(theirs.pk)))


def test_every_event_shows_its_address_or_says_it_had_none(client_for, admin_user, trail):
    client = client_for(admin_user)
    client.get(reverse("audit:list"), REMOTE_ADDR="203.0.113.7")
    record_event(actor=admin_user, action="other", message="from the office")  # in that request's thread
    outside = client_ip_var.set(None)  # as in the task worker: no request, no address
    try:
        record_event(actor=admin_user, action="other", message="from the worker")
    finally:
        client_ip_var.reset(outside)
    page = read(client, "en")
    rows = rows_of(page)
    assert len(rows) == AuditEvent.objects.count() > 20
    for pk, text in rows.items():
        assert (AuditEvent.objects.get(pk=pk).ip_address or "—") in text
    assert "203.0.113.7" in rows[event("other", message="from the office").pk]
    assert "—" in rows[event("other", message="from the worker").pk]
    assert 'data-ip><span class="text-body-secondary" title="Written outside a web request' in page


def test_odd_rows_never_break_the_page(client_for, admin_user, org):
    """Rows written by hand or by an old version: a string, a list, a record id of another type, unknown fields."""
    record_event(actor=admin_user, action="import", changes={"rows": "many", "entity": "gone"})
    AuditEvent.objects.create(action="update", changes="file: members.xlsx", actor_name="admin")
    AuditEvent.objects.create(action="other", changes=["a", "b"])
    AuditEvent.objects.create(action="update", object_id="not-a-number", object_repr="x",
                              content_type=ContentType.objects.get_for_model(Customer),
                              changes={"removed_field": [1, 2], "owner": [None, 7]})
    AuditEvent.objects.create(action="export", changes={"model": "gone.model", "count": None, "filters": "x"})
    AuditEvent.objects.create(action="merge", changes={"merged": "x", "moved": {"gone.model": 2}, "hooks": [1]})
    rows = " ".join(rows_of(read(client_for(admin_user), "en")).values())
    assert "file: members.xlsx" in rows  # shown whole, not "f → i"
    assert "Removed field : 1 → 2" in rows and "Owner : — → 7" in rows


def test_a_page_of_fifty_varied_events_costs_a_bounded_number_of_queries(
    client_for, admin_user, org, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def run_import(actor, job):
        with django_capture_on_commit_callbacks(execute=True):
            imports.queue_import(actor=actor, job=job)
        return job

    for _round in range(3):
        write_varied_events(org, run_import)
    assert AuditEvent.objects.count() > 50
    client = client_for(admin_user)
    with django_assert_max_num_queries(16):
        page = read(client, "en")
    assert len(rows_of(page)) == 50
