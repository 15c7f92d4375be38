"""Sending greetings through a real SMTP server: who gets one, what it says, and that nobody gets two."""

import datetime as dt
import threading
from email.header import decode_header, make_header

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.care.models import CareLog, CarePlan, GreetingDay, Occasion
from crm.care.services import (
    company_today,
    create_care_plan,
    create_greeting_day,
    delete_care_plan,
    send_due_greetings,
    update_care_plan,
)
from crm.care.tasks import greetings_due_at, send_greetings
from crm.care.tests.conftest import SPRING_FESTIVAL, decoded
from crm.core.errors import DomainError
from crm.customers.models import Contact
from crm.customers.services import delete_customer, update_customer

pytestmark = pytest.mark.django_db(transaction=True)

BIRTHDAY = dt.date(2027, 5, 20)


def test_a_birthday_greeting_arrives_once_with_its_merge_fields_filled(smtp, add_contact, birthday_plan):
    zhang = add_contact("张三", "zhangsan@client.cn", birthday=dt.date(1985, 5, 20), customer_name="杭州云帆科技")
    add_contact("李四", "lisi@client.cn", birthday=dt.date(1985, 5, 21))

    run = send_due_greetings(today=BIRTHDAY)

    assert (run.sent, run.failed, run.skipped) == (1, 0, 0)
    assert [e.rcpt_tos for e in smtp.envelopes] == [["zhangsan@client.cn"]]
    subject, text, html = decoded(smtp.messages[0])
    assert subject == "张三，生日快乐！"
    assert text == "尊敬的张三：\n\n示例科技有限公司祝杭州云帆科技的您生日快乐！"
    assert "<p>尊敬的张三：</p>" in html
    assert str(make_header(decode_header(smtp.messages[0]["From"]))) == "示例科技有限公司 <crm@localhost>"
    log = CareLog.objects.get()
    assert (log.contact, log.status, log.recipient, log.occasion_date) == (zhang, "sent", "z***@client.cn", BIRTHDAY)
    assert log.sent_at is not None

    again = send_due_greetings(today=BIRTHDAY)
    call_command("send-greetings", "--date", "2027-05-20")
    assert (again.sent, again.already_done) == (0, 1)
    assert len(smtp.envelopes) == 1 and CareLog.objects.count() == 1


def test_the_command_refuses_a_malformed_date(birthday_plan):
    with pytest.raises(CommandError, match="--date must look like 2027-02-06"):
        call_command("send-greetings", "--date", "2027-13-01")


def test_the_hourly_task_sends_todays_greetings_once(smtp, settings, add_contact, birthday_plan):
    settings.CRM_CARE_SEND_HOUR = 0  # whatever the hour the test runs at
    add_contact("王五", "wangwu@client.cn", birthday=company_today().replace(year=1992))  # a leap year: 29 February too
    send_greetings.call_local()
    send_greetings.call_local()
    assert [e.rcpt_tos for e in smtp.envelopes] == [["wangwu@client.cn"]]


def test_the_task_waits_for_the_send_hour_in_the_company_time_zone(org):
    # 00:30 UTC is 08:30 in Shanghai: too early; 01:00 UTC is 09:00 there.
    assert greetings_due_at(dt.datetime(2027, 2, 6, 0, 30, tzinfo=dt.UTC), 9) is None
    assert greetings_due_at(dt.datetime(2027, 2, 6, 1, 0, tzinfo=dt.UTC), 9) == SPRING_FESTIVAL
    # 20:00 UTC on the 5th is already the 6th in Shanghai.
    assert greetings_due_at(dt.datetime(2027, 2, 5, 20, 0, tzinfo=dt.UTC), 0) == SPRING_FESTIVAL


def test_leap_day_birthdays_are_greeted_on_28_february_of_common_years(smtp, add_contact, birthday_plan):
    add_contact("闰日", "leap@client.cn", birthday=dt.date(1996, 2, 29))
    assert send_due_greetings(today=dt.date(2027, 2, 27)).sent == 0
    assert send_due_greetings(today=dt.date(2027, 2, 28)).sent == 1
    assert send_due_greetings(today=dt.date(2028, 2, 28)).sent == 0  # 2028 has its own 29 February
    assert send_due_greetings(today=dt.date(2028, 2, 29)).sent == 1


def test_a_holiday_greeting_goes_to_consenting_contacts_only(smtp, add_contact, holiday_plan):
    add_contact("赵六", "zhaoliu@client.cn", customer_name="宁波港务")
    no_consent = add_contact("钱七", "qianqi@client.cn", consent=False)
    add_contact("孙八", "")  # nothing to send to

    assert send_due_greetings(today=SPRING_FESTIVAL - dt.timedelta(days=1)).sent == 0
    run = send_due_greetings(today=SPRING_FESTIVAL)

    assert (run.sent, run.skipped) == (1, 1)
    assert [e.rcpt_tos for e in smtp.envelopes] == [["zhaoliu@client.cn"]]
    subject, text, _html = decoded(smtp.messages[0])
    assert subject == "春节快乐，赵六" and text == "示例科技有限公司恭祝宁波港务春节快乐！"
    skipped = CareLog.objects.get(contact=no_consent)
    assert (skipped.status, skipped.reason) == ("skipped", "no_consent")


def test_a_contact_who_consents_later_that_day_is_greeted_by_the_next_run(smtp, add_contact, holiday_plan, rep):
    contact = add_contact("钱七", "qianqi@client.cn", consent=False)
    send_due_greetings(today=SPRING_FESTIVAL)
    Contact.objects.filter(pk=contact.pk).update(consent_given=True)
    assert send_due_greetings(today=SPRING_FESTIVAL).sent == 1
    assert CareLog.objects.get(contact=contact).status == "sent"
    assert send_due_greetings(today=SPRING_FESTIVAL).sent == 0


def test_erased_unconsented_and_deleted_customers_contacts_get_nothing(smtp, add_contact, holiday_plan, rep):
    add_contact("正常", "ok@client.cn")
    erased = add_contact("已删除个人信息", "erased@client.cn")
    Contact.objects.filter(pk=erased.pk).update(erased_at=timezone.now())  # even if an address were left behind
    add_contact("未同意", "noconsent@client.cn", consent=False)
    in_recycle_bin = add_contact("回收站", "bin@client.cn")
    delete_customer(actor=rep, customer=in_recycle_bin.customer)

    run = send_due_greetings(today=SPRING_FESTIVAL)

    assert [e.rcpt_tos for e in smtp.envelopes] == [["ok@client.cn"]]
    assert (run.sent, run.skipped) == (1, 1)
    assert not CareLog.objects.filter(contact__in=[erased, in_recycle_bin]).exists()


def test_an_anniversary_greets_the_primary_contact_with_the_years(smtp, add_contact, admin_user, rep):
    create_care_plan(actor=admin_user, data={
        "name": "周年", "occasion": Occasion.ANNIVERSARY, "subject_template": "合作{{ years }}周年",
        "body_template": "感谢{{ customer.name }}，{{ contact.name }}！"})
    buyer = add_contact("采购", "buyer@client.cn", customer_name="老客户", first_order_at=dt.date(2023, 3, 15))
    add_contact("老板", "boss@client.cn", customer=buyer.customer, is_primary=True)
    # Orders lie in the past (a future one is refused), so the greeting day is one that has been.
    add_contact("新客户联系人", "new@client.cn", first_order_at=dt.date(2026, 3, 15))  # not a year yet
    add_contact("别的日子", "other@client.cn", first_order_at=dt.date(2023, 3, 16))

    run = send_due_greetings(today=dt.date(2026, 3, 15))

    assert run.sent == 1
    assert [e.rcpt_tos for e in smtp.envelopes] == [["boss@client.cn"]]
    subject, text, _html = decoded(smtp.messages[0])
    assert subject == "合作3周年" and text == "感谢老客户，老板！"


def test_one_refused_recipient_is_logged_and_the_others_still_get_theirs(smtp, add_contact, birthday_plan):
    smtp.refuse.add("gone@client.cn")
    gone = add_contact("离职", "gone@client.cn", birthday=dt.date(1980, 5, 20))
    add_contact("在职", "here@client.cn", birthday=dt.date(1981, 5, 20))

    run = send_due_greetings(today=BIRTHDAY)

    assert (run.sent, run.failed) == (1, 1)
    assert [e.rcpt_tos for e in smtp.envelopes] == [["here@client.cn"]]
    failed = CareLog.objects.get(contact=gone)
    assert (failed.status, failed.reason, failed.attempts) == ("failed", "delivery", 1)
    assert "550" in failed.error and "gone@client.cn" not in failed.error  # the log keeps only masked addresses

    # A later run tries a failed greeting again, up to three times in all.
    smtp.refuse.clear()
    assert send_due_greetings(today=BIRTHDAY).sent == 1
    assert CareLog.objects.get(contact=gone).attempts == 2
    assert len(smtp.to("gone@client.cn")) == 1


def test_a_failed_greeting_is_given_up_after_three_attempts(smtp, add_contact, birthday_plan):
    smtp.refuse.add("gone@client.cn")
    add_contact("离职", "gone@client.cn", birthday=dt.date(1980, 5, 20))
    for _ in range(4):
        send_due_greetings(today=BIRTHDAY)
    assert CareLog.objects.get().attempts == CareLog.MAX_ATTEMPTS
    smtp.refuse.clear()
    assert send_due_greetings(today=BIRTHDAY).already_done == 1
    assert smtp.envelopes == []


def test_a_greeting_claimed_by_another_run_is_not_sent_again(smtp, add_contact, birthday_plan):
    # Another consumer claimed this greeting and died before recording the result: never risk a second mail.
    contact = add_contact("张三", "zhangsan@client.cn", birthday=dt.date(1985, 5, 20))
    CareLog.objects.create(plan=birthday_plan, contact=contact, customer=contact.customer, occasion="birthday",
                           occasion_date=BIRTHDAY, status=CareLog.Status.SENDING, attempts=1)
    assert send_due_greetings(today=BIRTHDAY).already_done == 1
    assert smtp.envelopes == []


@pytest.mark.skipif(connection.vendor == "sqlite", reason="the in-memory SQLite test database locks whole tables "
                    "between threads; the PostgreSQL run of the suite races two runs for real")
def test_two_runs_at_once_send_each_greeting_once(smtp, add_contact, birthday_plan):
    for number in range(6):
        add_contact(f"客户{number}", f"c{number}@client.cn", birthday=dt.date(1980 + number, 5, 20))
    results, errors = [], []

    def run():
        try:
            results.append(send_due_greetings(today=BIRTHDAY))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(result.sent for result in results) == 6
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == [f"c{n}@client.cn" for n in range(6)]
    assert CareLog.objects.filter(status="sent").count() == 6


def test_a_plan_greets_only_customers_its_owner_may_see_and_its_filters_allow(smtp, add_contact, org, manager,
                                                                              spring_festival):
    create_care_plan(actor=manager, data={
        "name": "A级客户春节", "occasion": Occasion.HOLIDAY, "greeting_days": [spring_festival],
        "levels": ["A"], "subject_template": "{{ holiday }}", "body_template": "{{ contact.name }}"})
    add_contact("销售部A级", "a@client.cn", level="A")
    add_contact("销售部B级", "b@client.cn", level="B")
    add_contact("客服部A级", "support@client.cn", owner=org["support1"], level="A")  # outside 销售部's tree

    send_due_greetings(today=SPRING_FESTIVAL)

    assert [e.rcpt_tos for e in smtp.envelopes] == [["a@client.cn"]]


def test_tag_and_stage_filters_narrow_the_plan(smtp, add_contact, admin_user, rep, spring_festival):
    create_care_plan(actor=admin_user, data={
        "name": "重点活跃客户", "occasion": Occasion.HOLIDAY, "greeting_days": [spring_festival],
        "lifecycle_stages": ["active"], "tags": [], "subject_template": "{{ holiday }}",
        "body_template": "{{ contact.name }}"})
    plan = CarePlan.objects.get()
    key = add_contact("重点", "key@client.cn", lifecycle_stage="active")
    add_contact("非重点活跃", "plain@client.cn", lifecycle_stage="active")
    add_contact("重点潜在", "prospect@client.cn", lifecycle_stage="prospect")
    update_customer(actor=rep, customer=key.customer, data={"tags": ["重点客户"]})
    update_care_plan(actor=admin_user, plan=plan, data={"tags": list(key.customer.tags.all())})

    send_due_greetings(today=SPRING_FESTIVAL)

    assert [e.rcpt_tos for e in smtp.envelopes] == [["key@client.cn"]]


def test_inactive_plans_send_nothing(smtp, add_contact, admin_user, birthday_plan):
    update_care_plan(actor=admin_user, plan=birthday_plan, data={"is_active": False})
    add_contact("张三", "zhangsan@client.cn", birthday=dt.date(1985, 5, 20))
    assert send_due_greetings(today=BIRTHDAY).sent == 0 and smtp.envelopes == []


def test_plan_changes_are_audited_and_a_plan_with_a_log_cannot_be_deleted(smtp, add_contact, admin_user,
                                                                          birthday_plan):
    update_care_plan(actor=admin_user, plan=birthday_plan, data={"subject_template": "生日快乐，{{ contact.name }}"})
    event = AuditEvent.objects.filter(action="update", object_id=str(birthday_plan.pk)).get()
    assert event.changes["subject_template"] == ["{{ contact.name }}，生日快乐！", "生日快乐，{{ contact.name }}"]
    assert AuditEvent.objects.filter(action="create", object_id=str(birthday_plan.pk)).exists()

    add_contact("张三", "zhangsan@client.cn", birthday=dt.date(1985, 5, 20))
    send_due_greetings(today=BIRTHDAY)
    with pytest.raises(DomainError):
        delete_care_plan(actor=admin_user, plan=birthday_plan)
    assert CarePlan.objects.filter(pk=birthday_plan.pk).exists()


def test_a_holiday_plan_needs_a_greeting_day(admin_user):
    with pytest.raises(DomainError) as error:
        create_care_plan(actor=admin_user, data={"name": "空", "occasion": Occasion.HOLIDAY,
                                                 "subject_template": "x", "body_template": "y"})
    assert error.value.field == "greeting_days"
    assert not CarePlan.objects.exists()


def test_next_years_date_joins_the_plans_that_greet_on_that_name(admin_user, holiday_plan):
    next_year = create_greeting_day(actor=admin_user, data={"name": "春节", "date": dt.date(2028, 1, 26),
                                                            "calendar": GreetingDay.Calendar.CHINESE})
    assert next_year in holiday_plan.greeting_days.all()


def test_an_unreachable_mail_server_stops_the_run_and_the_next_run_sends_everything(smtp, settings, add_contact,
                                                                                 birthday_plan):
    for number in range(3):
        add_contact(f"客户{number}", f"c{number}@client.cn", birthday=dt.date(1980, 5, 20))
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there: connection refused

    run = send_due_greetings(today=BIRTHDAY)

    assert (run.sent, run.failed) == (0, 1) and "ConnectionRefusedError" in run.stopped_by
    assert CareLog.objects.count() == 1  # the two others were not even tried
    with pytest.raises(CommandError, match="the mail server is unavailable"):
        call_command("send-greetings", "--date", "2027-05-20")

    settings.EMAIL_PORT = port
    assert send_due_greetings(today=BIRTHDAY).sent == 3
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == ["c0@client.cn", "c1@client.cn", "c2@client.cn"]


def test_a_persons_greetings_are_in_their_export_and_their_erasure_leaves_no_address(smtp, add_contact,
                                                                                      birthday_plan, manager):
    from crm.customers.services.personal_data import erase_contact, export_contact_data

    smtp.refuse.add("zhao@client.cn")
    zhao = add_contact("赵六", "zhao@client.cn", birthday=dt.date(1980, 5, 20), owner=manager)
    send_due_greetings(today=BIRTHDAY)
    exported = export_contact_data(actor=manager, contact=zhao)
    assert [(g["recipient"], g["status"]) for g in exported["greetings"]] == [("z***@client.cn", "failed")]

    erase_contact(actor=manager, contact=zhao)
    log = CareLog.objects.get(contact=zhao)
    assert log.recipient == "" and "zhao" not in log.error.lower() and "赵六" not in log.error
    assert export_contact_data(actor=manager, contact=Contact.objects.get(pk=zhao.pk))["greetings"][0]["recipient"] \
        == ""
