"""Every extension point of docs/architecture.md, used by the suite's own module from its own files only
(crm/testing_app/apps.py), each proved end to end through the pages, the API or the service a user reaches it
by. Scope, field rules, export and search per persona are the matrix's (test_personas.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from crm.accounts.models import Role
from crm.audit.models import AuditEvent
from crm.customers import services as customers
from crm.customers.services.merge import merge_customers
from crm.customers.services.personal_data import erase_contact, export_contact_data
from crm.imports import services as imports
from crm.imports.models import ImportJob
from crm.notifications.models import Notification
from crm.testing_app import services
from crm.testing_app.models import Milestone, Project

pytestmark = pytest.mark.django_db


def a_project(owner, name: str, **data) -> Project:
    return services.create_project(actor=owner, data={"name": name, **data})


# --- screens: list columns, sorting, saved views ------------------------------------------------------------

def test_the_project_list_offers_its_columns_and_sorts_by_them(client_for, rep):
    for name, budget in (("乙项目", 300), ("甲项目", 100), ("丙项目", 200)):
        a_project(rep, name, budget=budget)
    client = client_for(rep)
    html = client.get("/testing/projects/").content.decode()
    assert 'id="col-budget"' in html and "<th>Budget" not in html  # offered, not a default column
    html = client.get("/testing/projects/?col=name&col=budget&sort=budget").content.decode()
    assert re.findall(r">([^<>\s]+项目)</a>", html) == ["甲项目", "丙项目", "乙项目"]
    assert "sort=-budget" in html  # the header sorts the other way next
    html = client.get("/testing/projects/?col=name&col=budget&sort=-budget").content.decode()
    assert re.findall(r">([^<>\s]+项目)</a>", html) == ["乙项目", "丙项目", "甲项目"]


def test_a_column_the_role_may_not_read_is_neither_offered_nor_sorted_by(client_for, rep):
    Role.objects.filter(code="sales_rep").update(denied_read_fields=["testing_app.project.budget"])
    a_project(rep, "甲项目", budget=100)
    a_project(rep, "乙项目", budget=300)
    html = client_for(rep).get("/testing/projects/?col=name&col=budget&sort=-budget").content.decode()
    assert 'id="col-budget"' not in html and ">300<" not in html
    assert re.findall(r">([^<>\s]+项目)</a>", html) == ["乙项目", "甲项目"]  # newest first: the sort was not applied


def test_a_saved_view_of_the_project_list_opens_by_default(client_for, rep):
    a_project(rep, "甲项目", budget=100)
    client = client_for(rep)
    saved = client.post("/lists/views/save/", {"list_key": "testing_app.projects", "name": "按预算",
                                               "query": "sort=-budget", "col": ["name", "budget"],
                                               "is_default": "on", "next": "/testing/projects/"})
    assert saved.status_code == 302 and saved["Location"].startswith("/testing/projects/?sort=-budget&view=")
    bare = client.get("/testing/projects/")
    assert bare.status_code == 302 and "sort=-budget" in bare["Location"]
    html = client.get(bare["Location"]).content.decode()
    assert "按预算" in html and "<td>100</td>" in html
    api = client.get("/api/v1/saved-views/").json()
    assert [v["list_key"] for v in api["results"]] == ["testing_app.projects"]


def test_the_deal_list_has_saved_views_of_its_own_key(client_for, rep, other_rep):
    services.create_deal(actor=rep, data={"name": "甲商机"})
    html = client_for(rep).get("/testing/deals/").content.decode()
    assert 'name="list_key" value="testing_app.deals"' in html and "甲商机" in html


# --- the 360° page: detail rows, timeline, panels -------------------------------------------------------------

def test_the_project_page_shows_its_timeline_newest_first(client_for, rep, other_rep):
    project = a_project(rep, "甲项目")
    for title in ("立项", "验收"):
        services.add_milestone(actor=rep, project=project, title=title)
    html = client_for(rep).get(f"/testing/projects/{project.pk}/").content.decode()
    assert re.findall(r'data-kind="milestone">(\S+)</li>', html) == ["验收", "立项"]
    assert client_for(other_rep).get(f"/testing/projects/{project.pk}/").status_code == 404


def test_a_customers_360_page_shows_its_deals_panel_within_scope(client_for, rep, other_rep, manager):
    customer = customers.create_customer(actor=rep, data={"name": "甲公司"})
    mine = services.create_deal(actor=rep, data={"name": "我的商机", "customer": customer})
    theirs = services.create_deal(actor=other_rep, data={"name": "别人的商机", "customer": customer})
    html = client_for(rep).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-panel="testing_app.deals"' in html
    assert f'data-deal="{mine.pk}"' in html and f'data-deal="{theirs.pk}"' not in html
    html = client_for(manager).get(f"/customers/{customer.pk}/").content.decode()
    assert f'data-deal="{mine.pk}"' in html and f'data-deal="{theirs.pk}"' in html
    bare = customers.create_customer(actor=rep, data={"name": "乙公司"})
    assert 'data-panel="testing_app.deals"' not in client_for(rep).get(f"/customers/{bare.pk}/").content.decode()


def test_deals_of_a_customer_in_the_recycle_bin_are_hidden_with_it(api_client_for, rep, manager):
    customer = customers.create_customer(actor=rep, data={"name": "甲公司"})
    deal = services.create_deal(actor=rep, data={"name": "我的商机", "customer": customer})
    customers.delete_customer(actor=manager, customer=customer)
    assert api_client_for(rep).get(f"/api/v1/deals/{deal.pk}/").status_code == 404


# --- the home page and the navigation ---------------------------------------------------------------------------

def test_the_home_page_shows_the_projects_widget_to_whom_has_projects(client_for, rep, org):
    a_project(rep, "甲项目")
    html = client_for(rep).get("/").content.decode()
    assert 'data-widget="testing_app.projects"' in html and "甲项目" in html
    assert 'href="/testing/projects/"' in html  # the navigation entry
    html = client_for(org["marketing1"]).get("/").content.decode()
    assert 'data-widget="testing_app.projects"' not in html  # nothing of theirs: the widget leaves itself out


# --- search -----------------------------------------------------------------------------------------------------

def test_global_search_finds_a_project_by_its_pinyin_and_number_within_scope(api_client_for, rep, other_rep):
    project = a_project(rep, "智慧园区项目")
    hits = api_client_for(rep).get("/api/v1/search/", {"q": "zhihui"}).json()["results"]
    assert [(h["entity"], h["id"]) for h in hits] == [("project", project.pk)]
    assert [h["id"] for h in api_client_for(rep).get("/api/v1/search/", {"q": project.number}).json()["results"]
            if h["entity"] == "project"] == [project.pk]
    assert api_client_for(other_rep).get("/api/v1/search/", {"q": "zhihui"}).json()["results"] == []


# --- picklists, audit, per-role settings, document numbers --------------------------------------------------------

def test_the_project_status_picklist_is_offered_and_enforced(api_client_for, admin_user, rep):
    items = api_client_for(admin_user).get("/api/v1/dictionaries/", {"kind": "project_status"}).json()
    assert {item["code"] for item in items["results"]} == {"open", "done"}  # the seed, loaded by the demo
    project = a_project(rep, "甲项目")
    response = api_client_for(rep).patch(f"/api/v1/projects/{project.pk}/", {"status": "bogus"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    assert api_client_for(rep).patch(f"/api/v1/projects/{project.pk}/", {"status": "done"},
                                     format="json").status_code == 200


def test_project_changes_are_in_the_audit_trail_under_their_record_type(client_for, api_client_for, admin_user,
                                                                        rep):
    project = a_project(rep, "甲项目", budget=100)
    api_client_for(rep).patch(f"/api/v1/projects/{project.pk}/", {"budget": 200}, format="json")
    rows = api_client_for(admin_user).get("/api/v1/audit-events/", {"record_type": "testing_app.project"}).json()
    actions = [(row["action"], row["object_repr"]) for row in rows["results"]]
    assert ("update", "甲项目") in actions and ("create", "甲项目") in actions
    update = AuditEvent.objects.get(action="update", object_id=str(project.pk))
    assert update.changes == {"budget": [100, 200]}  # derived columns (search_text, name_upper) stay out
    html = client_for(admin_user).get("/audit/").content.decode()
    assert re.search(r'<option value="\d+">[^<]*[Pp]roject', html) and 'value="archive"' in html


def test_a_roles_budget_limit_is_enforced_by_page_and_api(client_for, api_client_for, rep):
    role = Role.objects.get(code="sales_rep")
    role.settings = {"testing_app.max_budget": 1000}
    role.save()
    project = a_project(rep, "甲项目", budget=100)
    response = api_client_for(rep).patch(f"/api/v1/projects/{project.pk}/", {"budget": 5000}, format="json")
    assert response.status_code == 400 and "budget" in response.json()["error"]["fields"]
    page = client_for(rep).post(f"/testing/projects/{project.pk}/edit/",
                                {"name": "甲项目", "status": "", "budget": "5000"})
    assert page.status_code == 200 and "A budget above 1000" in page.content.decode()
    project.refresh_from_db()
    assert project.budget == 100


def test_projects_are_numbered_by_their_sequence_and_the_admin_page_lists_it(client_for, admin_user, rep):
    first, second = a_project(rep, "甲项目"), a_project(rep, "乙项目")
    assert re.fullmatch(r"PRJ\d{4}-0001", first.number) and second.number.endswith("-0002")
    assert "Project number" in client_for(admin_user).get("/system/numbers/").content.decode()


# --- import -------------------------------------------------------------------------------------------------------

def test_a_project_import_writes_through_the_modules_bulk_service(rep, django_capture_on_commit_callbacks):
    rows = [["Name", "Budget", "Status"], ["甲项目", "100", "open"], ["乙项目", "abc", "open"], ["丙项目", "", "done"]]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    upload = SimpleUploadedFile("projects.csv", text.getvalue().encode("utf-8"), content_type="text/csv")
    job = imports.start_import(actor=rep, entity="testing_app.project", upload=upload)
    job = imports.set_mapping(actor=rep, job=job, mapping={"Name": "name", "Budget": "budget", "Status": "status"},
                              duplicate_policy="skip")
    job = imports.preview_import(actor=rep, job=job)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs once the queueing commits
        imports.queue_import(actor=rep, job=job)
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportJob.Status.DONE
    imported = list(Project.objects.filter(owner=rep).order_by("number"))
    assert [(p.name, p.budget, p.status) for p in imported] == [("甲项目", 100, "open"), ("丙项目", None, "done")]
    assert all(p.number.startswith("PRJ") and p.search_text for p in imported)
    created = AuditEvent.objects.filter(action="create", object_id__in=[str(p.pk) for p in imported])
    assert created.count() == 2 and created.first().actor == rep


# --- customers' merge and personal data -----------------------------------------------------------------------

def test_a_customer_merge_moves_the_deals_and_keeps_the_hooks_word(manager, rep):
    survivor = customers.create_customer(actor=rep, data={"name": "甲公司"})
    merged = customers.create_customer(actor=rep, data={"name": "甲公司（重复）"})
    deal = services.create_deal(actor=rep, data={"name": "商机", "customer": merged})
    merge_customers(actor=manager, survivor=survivor, others=[merged])
    deal.refresh_from_db()
    assert deal.customer_id == survivor.pk
    event = AuditEvent.objects.get(action="merge", object_id=str(survivor.pk))
    assert event.changes["hooks"] == {"testing_app.deals": {"deals": 1}}
    assert event.changes["moved"].get("testing_app.deal") == 1


def test_a_persons_deals_are_exported_with_their_data_and_erased_with_them(manager, rep):
    customer = customers.create_customer(actor=rep, data={"name": "甲公司"})
    contact = customers.create_contact(actor=rep, customer=customer, data={"name": "王小明"})
    deal = services.create_deal(actor=rep, data={"name": "商机", "customer": customer, "contact": contact,
                                                 "notes": "王小明 想要报价"})
    exported = export_contact_data(actor=manager, contact=contact)
    assert exported["deals"] == [{"name": "商机", "notes": "王小明 想要报价"}]
    erase_contact(actor=manager, contact=contact)
    deal.refresh_from_db()
    assert deal.contact_id is None and "王小明" not in deal.notes and "想要报价" in deal.notes
    assert AuditEvent.objects.get(action="erase").changes["deals"] == 1
    deal_rows = AuditEvent.objects.filter(content_type__model="deal", object_id=str(deal.pk))
    assert deal_rows.exists() and "王小明" not in str(list(deal_rows.values_list("changes", flat=True)))


# --- create screen, notifications, background work, working time, demo data -------------------------------------

def test_the_create_page_calls_the_service_and_needs_the_create_right(client_for, rep, org):
    response = client_for(rep).post("/testing/projects/new/", {"name": "新项目", "status": "open", "budget": "10"})
    project = Project.objects.get(name="新项目")
    assert response.status_code == 302 and response["Location"] == f"/testing/projects/{project.pk}/"
    assert (project.owner, project.department) == (rep, rep.department) and project.number
    assert AuditEvent.objects.filter(action="create", object_id=str(project.pk)).exists()
    Role.objects.filter(code="sales_rep").update(permissions=["testing_app.view"])
    assert client_for(rep).post("/testing/projects/new/", {"name": "又一个"}).status_code == 403


def test_the_owner_hears_of_a_milestone_somebody_else_added(client_for, rep, manager):
    project = a_project(rep, "甲项目")
    services.add_milestone(actor=rep, project=project, title="自己加的")
    services.add_milestone(actor=manager, project=project, title="经理加的")
    notices = Notification.objects.filter(recipient=rep)
    assert [n.display_title for n in notices] == ["New milestone on 甲项目: 经理加的"]
    assert "经理加的" in client_for(rep).get("/notifications/").content.decode()


def test_a_milestones_due_time_counts_working_hours_and_the_task_reminds_once(rep, settings):
    from huey.contrib.djhuey import HUEY

    from crm.system.calendar import add_working_hours
    from crm.testing_app.tasks import remind_milestones

    project = a_project(rep, "甲项目")
    before = timezone.now()
    milestone = services.add_milestone(actor=rep, project=project, title="验收", working_hours=16)
    assert add_working_hours(before, 16) <= milestone.due_at <= add_working_hours(timezone.now(), 16)
    assert "testing_app.tasks.remind_milestones" in str(HUEY._registry._registry)  # found like any app's
    assert remind_milestones.call_local() == 0  # not due yet
    Milestone.objects.filter(pk=milestone.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    assert remind_milestones.call_local() == 1 and remind_milestones.call_local() == 0
    assert [n.display_title for n in Notification.objects.filter(recipient=rep)] == ["Milestone due: 验收"]


def test_the_demo_command_loads_the_modules_demo_data_once(db, monkeypatch):
    from importlib import import_module

    from django.apps import apps

    # The other modules' demo data takes half a minute and is theirs to test: only this module's runs here.
    for app in apps.get_app_configs():
        if app.name.startswith("crm.") and app.label not in ("accounts", "testing_app"):
            try:
                monkeypatch.setattr(import_module(f"{app.name}.demo"), "load", lambda users: None)
            except ModuleNotFoundError:
                continue
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())
    project = Project.objects.get(name="演示项目")
    assert project.owner.username == "sales1" and project.milestones.count() == 1


# --- seams found while writing this module ---------------------------------------------------------------------

def test_a_timeline_provider_registered_under_any_case_feeds_the_page_and_can_be_removed(client_for, rep):
    from crm.core.timeline import TimelineEntry, register_timeline, unregister_timeline

    def note(record, user, before, limit):
        return [TimelineEntry(at=record.created_at, kind="note", title="备忘")]

    project = a_project(rep, "甲项目")
    register_timeline("testing_app.Project", note)
    register_timeline("testing_app.project", note)  # the same provider again: kept once
    try:
        html = client_for(rep).get(f"/testing/projects/{project.pk}/").content.decode()
        assert html.count('data-kind="note"') == 1
    finally:
        unregister_timeline("testing_app.Project", note)
    assert 'data-kind="note"' not in client_for(rep).get(f"/testing/projects/{project.pk}/").content.decode()


def test_an_account_in_the_recycle_bin_leaves_the_default_manager_with_its_deals(api_client_for, rep, manager):
    from crm.testing_app.models import Account, Deal

    account = services.create_account(actor=rep, name="甲账户")
    deal = services.create_deal(actor=rep, data={"name": "商机", "account": account})
    services.delete_account(actor=manager, account=account)
    assert not Account.objects.visible_to(manager).filter(pk=account.pk).exists()
    assert Account.all_objects.visible_to(manager, "delete").filter(pk=account.pk, deleted_at__isnull=False).exists()
    assert not Deal.objects.visible_to(manager).filter(pk=deal.pk).exists()
    assert api_client_for(rep).get(f"/api/v1/deals/{deal.pk}/").status_code == 404
