"""Dictionaries, system settings and the working-time calendar."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from crm.system import demo
from crm.system.calendar import add_working_hours, is_working_time
from crm.system.dictionaries import dictionary_choices, dictionary_label, validate_dictionary_code
from crm.system.models import DictionaryItem, Holiday, SystemSettings

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def dictionaries(org):
    demo.load(org)


def test_choices_follow_the_active_language(dictionaries):
    with translation.override("zh-hans"):
        assert ("finance", "金融") in dictionary_choices("industry")
    with translation.override("en"):
        assert ("finance", "Finance") in dictionary_choices("industry")


def test_inactive_items_leave_the_choices_but_keep_their_label(dictionaries):
    DictionaryItem.objects.filter(kind="industry", code="finance").update(is_active=False)
    assert "finance" not in dict(dictionary_choices("industry"))
    with translation.override("zh-hans"):
        assert dictionary_label("industry", "finance") == "金融"
    with pytest.raises(ValidationError):
        validate_dictionary_code("industry")("finance")
    validate_dictionary_code("industry")("it")


def test_a_duplicate_code_is_a_form_error(client_for, admin_user, dictionaries):
    response = client_for(admin_user).post(reverse("system:dictionary_create"), {
        "kind": "industry", "code": "finance", "label_zh": "金融2", "label_en": "Finance 2", "sort_order": 1})
    assert response.status_code == 200 and b"alert-danger" in response.content
    assert DictionaryItem.objects.filter(kind="industry", code="finance").count() == 1


def test_admin_adds_an_item_and_reps_may_not(client_for, admin_user, rep, dictionaries):
    data = {"kind": "source", "code": "wechat", "label_zh": "微信", "label_en": "WeChat", "sort_order": 5,
            "is_active": "on", "color": "#00aa00"}
    assert client_for(rep).post(reverse("system:dictionary_create"), data).status_code == 403
    assert client_for(admin_user).post(reverse("system:dictionary_create"), data).status_code == 302
    assert ("wechat", "微信") in dictionary_choices("source")


def test_the_api_reads_for_everyone_and_writes_for_admins(api_client_for, rep, admin_user, dictionaries):
    body = api_client_for(rep).get("/api/v1/dictionaries/", {"kind": "customer_level"}).json()
    assert [item["code"] for item in body["results"]] == ["A", "B", "C", "D"]
    response = api_client_for(rep).post("/api/v1/dictionaries/", {"kind": "source", "code": "x",
                                                                 "label_zh": "x", "label_en": "x"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    response = api_client_for(admin_user).patch("/api/v1/settings/", {"currency": "usd"}, format="json")
    assert response.status_code == 400 and "currency" in response.json()["error"]["fields"]
    response = api_client_for(admin_user).patch("/api/v1/settings/", {"company_name": "新公司"}, format="json")
    assert response.status_code == 200
    assert api_client_for(rep).get("/api/v1/settings/").json()["company_name"] == "新公司"


def test_settings_page_rejects_a_day_that_ends_before_it_starts(client_for, admin_user, org):
    response = client_for(admin_user).post(reverse("system:settings"), {
        "company_name": "公司", "currency": "CNY", "time_zone": "Asia/Shanghai", "fiscal_year_start_month": 1,
        "work_start": "18:00", "work_end": "09:00", "work_days": [1, 2, 3, 4, 5]})
    assert response.status_code == 200
    assert SystemSettings.current().work_start == dt.time(9, 0)


def test_working_hours_skip_nights_weekends_and_holidays_but_count_make_up_days(org):
    SystemSettings.current()  # Mon–Fri, 09:00–18:00, Asia/Shanghai
    friday_5pm = dt.datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)
    assert add_working_hours(friday_5pm, 2) == dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    Holiday.objects.create(date=dt.date(2026, 11, 30), name="假日")
    Holiday.objects.create(date=dt.date(2026, 11, 28), name="调休", is_workday=True)  # a Saturday worked
    assert add_working_hours(friday_5pm, 2) == dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert is_working_time(dt.datetime(2026, 11, 28, 9, 30, tzinfo=SHANGHAI))
    assert not is_working_time(dt.datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI))


def test_demo_data_loads_twice_without_duplicates(org):
    demo.load(org)
    counts = (DictionaryItem.objects.count(), Holiday.objects.count())
    demo.load(org)
    assert (DictionaryItem.objects.count(), Holiday.objects.count()) == counts
    assert SystemSettings.current().company_name == "示例科技有限公司"


# --- Kinds are what modules register -------------------------------------------------------------------------


def test_the_dictionary_kinds_are_those_the_modules_registered():
    from crm.system.dictionaries import KINDS, registered_kinds

    assert list(KINDS) == [kind.code for kind in registered_kinds()]
    assert {"industry", "customer_level", "release_reason"} <= set(KINDS)  # customers' own
    assert "project_status" in KINDS  # the suite's module registered one too
    assert not {"opportunity_stage", "loss_reason", "ticket_category"} & set(KINDS)  # no module owns these yet


def test_the_demo_seeds_each_kind_with_the_items_its_module_registered(dictionaries):
    assert dictionary_choices("project_status") == [("open", "进行中"), ("done", "已完成")]
    assert not DictionaryItem.objects.filter(kind__in=["opportunity_stage", "ticket_category"]).exists()


def test_the_dictionary_page_and_api_offer_only_registered_kinds(client_for, api_client_for, admin_user,
                                                                  dictionaries):
    DictionaryItem.objects.create(kind="ticket_category", code="complaint", label_zh="投诉", label_en="Complaint")
    client = client_for(admin_user)
    with translation.override("en"):
        page = client.get(reverse("system:dictionaries"), {"kind": "ticket_category"},
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Project statuses" in page and "Industries" in page
    assert "Opportunity stages" not in page and "Ticket categories" not in page and "投诉" not in page
    api = api_client_for(admin_user)
    assert api.get("/api/v1/dictionaries/", {"kind": "ticket_category"}).json()["results"] == []
    response = api.post("/api/v1/dictionaries/", {"kind": "ticket_category", "code": "repair", "label_zh": "维修",
                                                  "label_en": "Repair"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    response = api.post("/api/v1/dictionaries/", {"kind": "project_status", "code": "paused", "label_zh": "暂停",
                                                  "label_en": "Paused"}, format="json")
    assert response.status_code == 201
