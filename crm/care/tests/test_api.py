"""/api/v1/care/: plans, greeting days and the read-only log, under the same rules as the pages."""

import pytest
from django.utils import translation

from crm.audit.models import AuditEvent
from crm.care.models import CareLog, CarePlan, GreetingDay
from crm.care.services import send_due_greetings
from crm.care.tests.conftest import SPRING_FESTIVAL

pytestmark = pytest.mark.django_db

PLAN = {"name": "春节问候", "occasion": "holiday", "subject_template": "{{ holiday }}快乐",
        "body_template": "{{ contact.name }}，{{ company }}祝您{{ holiday }}快乐"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api_client_for(api_client_for):
    """Answers in English, so the assertions read the same before and after the Chinese catalogue."""

    def make(user):
        client = api_client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def test_a_manager_creates_a_holiday_plan_and_previews_it(api_client_for, manager, add_contact, spring_festival):
    api = api_client_for(manager)
    response = api.post("/api/v1/care/plans/", {**PLAN, "greeting_days": [spring_festival.pk], "levels": ["A"],
                                               "lifecycle_stages": ["active"]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["owner"], body["greeting_days"], body["levels"]) == (manager.pk, [spring_festival.pk], ["A"])
    assert AuditEvent.objects.filter(action="create", object_id=str(body["id"])).exists()

    contact = add_contact("张三", "zs@client.cn")
    preview = api.post(f"/api/v1/care/plans/{body['id']}/preview/", {"contact": contact.pk}, format="json")
    assert preview.status_code == 200
    assert preview.json()["subject"] == "春节快乐"
    assert preview.json()["text"] == "张三，示例科技有限公司祝您春节快乐"
    assert "<p>" in preview.json()["html"]
    sample = api.post(f"/api/v1/care/plans/{body['id']}/preview/", {}, format="json")
    assert sample.json()["text"].startswith("Zhang San，")


def test_a_bad_template_is_a_400_naming_the_field(api_client_for, manager, spring_festival):
    response = api_client_for(manager).post("/api/v1/care/plans/", {
        **PLAN, "greeting_days": [spring_festival.pk], "body_template": "{{ contact.phone }}"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["body_template"][0].startswith("Unknown merge field: {{ contact.phone }}.")
    assert not CarePlan.objects.exists()


def test_a_holiday_plan_without_greeting_days_is_a_400(api_client_for, manager):
    response = api_client_for(manager).post("/api/v1/care/plans/", PLAN, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["greeting_days"] == [
        "Choose at least one greeting day for a holiday plan."]


def test_a_rep_gets_403_everywhere_in_care(api_client_for, rep, birthday_plan, spring_festival):
    api = api_client_for(rep)
    for url in ("/api/v1/care/plans/", f"/api/v1/care/plans/{birthday_plan.pk}/", "/api/v1/care/greeting-days/",
                "/api/v1/care/log/"):
        assert api.get(url).status_code == 403, url
    assert api.post("/api/v1/care/plans/", {**PLAN, "occasion": "birthday"}, format="json").status_code == 403
    assert api.post(f"/api/v1/care/plans/{birthday_plan.pk}/preview/", {}, format="json").status_code == 403
    assert api.delete(f"/api/v1/care/greeting-days/{spring_festival.pk}/").status_code == 403
    assert GreetingDay.objects.count() == 1


def test_plans_outside_the_managers_scope_are_404(api_client_for, manager, birthday_plan):
    api = api_client_for(manager)  # the birthday plan belongs to the admin (总经办)
    assert api.get("/api/v1/care/plans/").json()["count"] == 0
    assert api.get(f"/api/v1/care/plans/{birthday_plan.pk}/").status_code == 404
    assert api.patch(f"/api/v1/care/plans/{birthday_plan.pk}/", {"name": "x"}, format="json").status_code == 404


def test_the_preview_refuses_a_contact_outside_the_callers_scope(api_client_for, manager, org, add_contact):
    api = api_client_for(manager)
    plan = api.post("/api/v1/care/plans/", {**PLAN, "occasion": "birthday"}, format="json").json()
    theirs = add_contact("陈客服的客户", "x@client.cn", owner=org["support1"])
    response = api.post(f"/api/v1/care/plans/{plan['id']}/preview/", {"contact": theirs.pk}, format="json")
    assert response.status_code == 400 and "contact" in response.json()["error"]["fields"]


def test_greeting_days_are_managed_by_api(api_client_for, admin_user, holiday_plan):
    api = api_client_for(admin_user)
    created = api.post("/api/v1/care/greeting-days/", {"name": "春节", "date": "2028-01-26", "calendar": "chinese"},
                       format="json")
    assert created.status_code == 201
    assert created.json()["id"] in api.get(f"/api/v1/care/plans/{holiday_plan.pk}/").json()["greeting_days"]
    duplicate = api.post("/api/v1/care/greeting-days/", {"name": "春节", "date": "2028-01-26",
                                                         "calendar": "chinese"}, format="json")
    assert duplicate.status_code == 400
    assert api.get("/api/v1/care/greeting-days/", {"date__year": 2028}).json()["count"] == 1
    day_id = created.json()["id"]
    assert api.patch(f"/api/v1/care/greeting-days/{day_id}/", {"date": "2028-01-27"},
                     format="json").json()["date"] == "2028-01-27"
    assert api.delete(f"/api/v1/care/greeting-days/{day_id}/").status_code == 204
    assert api.post("/api/v1/care/greeting-days/", {"name": "", "date": "not a date"},
                    format="json").status_code == 400


def test_the_log_is_read_only_masked_and_filterable(api_client_for, admin_user, manager, org, add_contact,
                                                   holiday_plan, mailoutbox):
    add_contact("张三", "zhangsan@client.cn")
    add_contact("未同意", "no@client.cn", consent=False)
    add_contact("陈客服的客户", "support@client.cn", owner=org["support1"])
    send_due_greetings(today=SPRING_FESTIVAL)

    api = api_client_for(admin_user)
    rows = api.get("/api/v1/care/log/").json()["results"]
    assert sorted(row["recipient"] for row in rows) == ["n***@client.cn", "s***@client.cn", "z***@client.cn"]
    skipped = api.get("/api/v1/care/log/", {"status": "skipped"}).json()["results"]
    assert [(row["contact_name"], row["reason"]) for row in skipped] == [("未同意", "no_consent")]
    assert api.get("/api/v1/care/log/", {"plan": holiday_plan.pk, "occasion_date_after": "2027-02-07"}
                   ).json()["count"] == 0
    log_id = rows[0]["id"]
    assert api.post("/api/v1/care/log/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/care/log/{log_id}/").status_code == 405
    assert CareLog.objects.count() == 3

    # The manager sees the greetings to customers of their own tree only.
    names = {row["contact_name"] for row in api_client_for(manager).get("/api/v1/care/log/").json()["results"]}
    assert names == {"张三", "未同意"}


def test_a_plan_with_a_log_answers_400_to_delete(api_client_for, admin_user, add_contact, holiday_plan, mailoutbox):
    add_contact("张三", "zhangsan@client.cn")
    send_due_greetings(today=SPRING_FESTIVAL)
    response = api_client_for(admin_user).delete(f"/api/v1/care/plans/{holiday_plan.pk}/")
    assert response.status_code == 400 and "deactivate it instead" in response.json()["error"]["message"]


def test_plans_filter_by_occasion_and_active(api_client_for, admin_user, birthday_plan, holiday_plan):
    api = api_client_for(admin_user)
    api.patch(f"/api/v1/care/plans/{birthday_plan.pk}/", {"is_active": False}, format="json")

    def names(**query):
        return [plan["name"] for plan in api.get("/api/v1/care/plans/", query).json()["results"]]

    assert names(is_active="false") == ["生日祝福"]
    assert names(occasion="holiday") == ["春节问候"]
    assert AuditEvent.objects.filter(action="update", object_id=str(birthday_plan.pk),
                                     changes__is_active=[True, False]).exists()
