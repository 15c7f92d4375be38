"""Care pages: managers and admins manage plans and greeting days; reps have no door in; the log is masked and
scoped."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from crm.care.models import CareLog, CarePlan, GreetingDay
from crm.care.services import send_due_greetings
from crm.care.tests.conftest import SPRING_FESTIVAL

pytestmark = pytest.mark.django_db

PLAN_FORM = {"name": "中秋问候", "occasion": "birthday", "subject_template": "{{ contact.name }}，生日快乐",
             "body_template": "{{ company }}祝您生日快乐", "is_active": "on"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Pages in English, so the assertions read the same before and after the Chinese catalogue."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def test_a_rep_has_no_door_into_customer_care(client_for, rep, birthday_plan, spring_festival):
    client = client_for(rep)
    urls = [reverse("care:plans"), reverse("care:plan_create"), reverse("care:plan_preview", args=[birthday_plan.pk]),
            reverse("care:plan_edit", args=[birthday_plan.pk]), reverse("care:days"), reverse("care:day_create"),
            reverse("care:day_edit", args=[spring_festival.pk]), reverse("care:log")]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("care:plan_create"), PLAN_FORM).status_code == 403
    assert client.post(reverse("care:plan_delete", args=[birthday_plan.pk])).status_code == 403
    assert client.post(reverse("care:day_delete", args=[spring_festival.pk])).status_code == 403
    assert CarePlan.objects.count() == 1 and GreetingDay.objects.count() == 1
    assert reverse("care:plans") not in client.get(reverse("home")).content.decode()


def test_a_manager_creates_a_plan_and_lands_on_its_preview(client_for, manager):
    client = client_for(manager)
    assert reverse("care:plans") in client.get(reverse("home")).content.decode()  # the navigation entry
    response = client.post(reverse("care:plan_create"), PLAN_FORM)
    plan = CarePlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("care:plan_preview", args=[plan.pk])
    assert (plan.owner, plan.department) == (manager, manager.department)
    page = client.get(response.url).content.decode()
    assert "Zhang San，生日快乐" in page and "示例科技有限公司祝您生日快乐" in page


def test_a_bad_template_is_shown_on_the_form_and_nothing_is_saved(client_for, manager):
    response = client_for(manager).post(reverse("care:plan_create"),
                                        {**PLAN_FORM, "body_template": "{% if years %}没有结束"})
    assert response.status_code == 200
    assert "The template has a syntax error: Unclosed tag" in response.content.decode()
    assert not CarePlan.objects.exists()


def test_a_holiday_plan_without_days_is_refused_on_the_form(client_for, manager):
    response = client_for(manager).post(reverse("care:plan_create"), {**PLAN_FORM, "occasion": "holiday"})
    assert "Choose at least one greeting day for a holiday plan." in response.content.decode()
    assert not CarePlan.objects.exists()


def test_editing_a_plan_saves_the_change(client_for, admin_user, holiday_plan, spring_festival):
    response = client_for(admin_user).post(reverse("care:plan_edit", args=[holiday_plan.pk]), {
        "name": "新春问候", "occasion": "holiday", "greeting_days": [spring_festival.pk],
        "subject_template": holiday_plan.subject_template, "body_template": holiday_plan.body_template,
        "levels": ["A"]})
    assert response.status_code == 302
    holiday_plan.refresh_from_db()
    assert (holiday_plan.name, holiday_plan.levels, holiday_plan.is_active) == ("新春问候", ["A"], False)


def test_the_preview_renders_for_a_chosen_contact_in_scope_only(client_for, manager, org, add_contact, holiday_plan):
    mine = add_contact("张三", "zs@client.cn", customer_name="杭州云帆科技")
    theirs = add_contact("陈客服的客户", "x@client.cn", owner=org["support1"])
    admin = client_for(org["admin"])
    url = reverse("care:plan_preview", args=[holiday_plan.pk])
    found = admin.get(url, {"q": "zhangsan"}).content.decode()  # by pinyin
    assert f"contact={mine.pk}" in found
    page = admin.get(url, {"contact": mine.pk}).content.decode()
    assert "春节快乐，张三" in page and "示例科技有限公司恭祝杭州云帆科技春节快乐！" in page

    # The admin's plan is outside the manager's scope; their own plan can't preview another tree's contact.
    client = client_for(manager)
    assert client.get(url).status_code == 404
    own = CarePlan.objects.create(name="经理的计划", occasion="birthday", subject_template="x", body_template="y",
                                  owner=manager, department=manager.department)
    own_url = reverse("care:plan_preview", args=[own.pk])
    assert client.get(own_url, {"contact": theirs.pk}).status_code == 404
    assert "陈客服的客户" not in client.get(own_url, {"q": "陈客服"}).content.decode()


def test_greeting_days_are_listed_by_year_and_edited(client_for, admin_user, spring_festival):
    client = client_for(admin_user)
    response = client.post(reverse("care:day_create"), {"name": "中秋节", "date": "2027-09-15",
                                                       "calendar": "chinese"})
    assert response.status_code == 302
    page = client.get(reverse("care:days"), {"year": "2027"}).content.decode()
    assert "中秋节" in page and "春节" in page
    assert "中秋节" not in client.get(reverse("care:days"), {"year": "2026"}).content.decode()
    duplicate = client.post(reverse("care:day_create"), {"name": "春节", "date": "2027-02-06", "calendar": "chinese"})
    assert duplicate.status_code == 200 and GreetingDay.objects.filter(name="春节").count() == 1
    client.post(reverse("care:day_edit", args=[spring_festival.pk]), {"name": "春节", "date": "2027-02-07",
                                                                      "calendar": "chinese"})
    spring_festival.refresh_from_db()
    assert spring_festival.date == dt.date(2027, 2, 7)


def test_the_log_masks_recipients_and_follows_the_customer_scope(client_for, manager, org, add_contact,
                                                                 holiday_plan, mailoutbox):
    add_contact("张三", "zhangsan@client.cn")  # a customer of 销售一部
    add_contact("陈客服的客户", "support@client.cn", owner=org["support1"])
    send_due_greetings(today=SPRING_FESTIVAL)
    assert len(mailoutbox) == 2

    admin_page = client_for(org["admin"]).get(reverse("care:log")).content.decode()
    assert "z***@client.cn" in admin_page and "s***@client.cn" in admin_page
    assert "zhangsan@client.cn" not in admin_page

    manager_page = client_for(manager).get(reverse("care:log")).content.decode()
    assert "张三" in manager_page and "陈客服的客户" not in manager_page


def test_the_log_filters_by_status(client_for, admin_user, add_contact, holiday_plan, mailoutbox):
    add_contact("同意", "yes@client.cn")
    add_contact("未同意", "no@client.cn", consent=False)
    send_due_greetings(today=SPRING_FESTIVAL)
    assert CareLog.objects.count() == 2
    page = client_for(admin_user).get(reverse("care:log"), {"status": "skipped"}).content.decode()
    assert "未同意" in page and "No consent to greetings" in page and "y***@client.cn" not in page


def test_a_plan_that_has_sent_cannot_be_deleted_and_says_why(client_for, admin_user, add_contact, holiday_plan,
                                                              mailoutbox):
    add_contact("张三", "zhangsan@client.cn")
    send_due_greetings(today=SPRING_FESTIVAL)
    client = client_for(admin_user)
    response = client.post(reverse("care:plan_delete", args=[holiday_plan.pk]), follow=True)
    assert "deactivate it instead" in response.content.decode()
    assert CarePlan.objects.filter(pk=holiday_plan.pk).exists()


def test_list_pages_do_not_grow_queries_with_rows(client_for, admin_user, add_contact, holiday_plan,
                                                  django_assert_max_num_queries, mailoutbox):
    for number in range(15):
        add_contact(f"客户{number}", f"c{number}@client.cn")
    send_due_greetings(today=SPRING_FESTIVAL)
    client = client_for(admin_user)
    with django_assert_max_num_queries(20):
        client.get(reverse("care:log"))
    with django_assert_max_num_queries(20):
        client.get(reverse("care:plans"))


def test_malformed_addresses_and_filters_never_fail(client_for, admin_user, birthday_plan):
    client = client_for(admin_user)
    preview = reverse("care:plan_preview", args=[birthday_plan.pk])
    for url in [f"{preview}?contact=abc", f"{preview}?contact=99999999999999999999",
                "/care/plans/99999999999999999999/", "/care/days/99999999999999999999/"]:
        assert client.get(url).status_code == 404, url
    for url in [f"{preview}?q=%25_%5C%27&contact=", "/care/?occasion=bogus&is_active=maybe",
                "/care/log/?plan=abc&status=nope&occasion_date_after=2026-13-45", "/care/days/?year=abcd"]:
        assert client.get(url).status_code == 200, url
    for url in ["/care/?page=abc", "/care/log/?page=99999", "/care/days/?page=-1", "/care/log/?customer_name=%00"]:
        assert client.get(url).status_code < 500, url
