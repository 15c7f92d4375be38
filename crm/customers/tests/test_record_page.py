"""The customer's 360° page: key facts on top (only the fields the role may read, phone and e-mail as links), the
timeline's composer that logs a follow-up in place (htmx), contacts that start a follow-up with them."""

import pytest

from crm.customers.models import Activity
from crm.customers.services import create_contact, create_customer, log_activity
from crm.customers.services.pool import release_to_pool

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def own(rep):
    customer = create_customer(actor=rep, data={"name": "杭州西溪数码", "phone": "0571-88886666",
                                                 "email": "buyer@xixi.example.cn", "owner": rep})
    create_contact(actor=rep, customer=customer, data={"name": "陈晨", "mobile": "13800001111", "is_primary": True})
    create_contact(actor=rep, customer=customer, data={"name": "林一", "mobile": "13800002222"})
    return customer


def test_the_key_facts_show_phone_and_e_mail_as_links_and_people_by_name(client_for, rep, own):
    html = client_for(rep).get(own.get_absolute_url()).content.decode()
    summary = html[html.index('id="record-summary"'):html.index('id="record-tabs"')]
    assert 'href="tel:057188886666"' in summary and 'href="mailto:buyer@xixi.example.cn"' in summary
    assert rep.name in summary and rep.username not in summary
    assert "KH" in summary  # the customer number


def test_a_role_denied_the_phone_gets_no_phone_fact_and_no_tel_link(client_for, org, admin_user):
    marketing = org["marketing1"]
    customer = create_customer(actor=admin_user, data={"name": "字段规则数码", "phone": "13912345678",
                                                       "owner": marketing})
    html = client_for(marketing).get(customer.get_absolute_url()).content.decode()
    assert "tel:" not in html and "13912345678" not in html and 'data-fact="phone"' not in html
    assert 'data-fact="owner"' in html  # the summary is there, without the field


def test_the_composer_offers_wechat_and_preselects_the_primary_contact(client_for, rep, own):
    html = client_for(rep).get(own.get_absolute_url()).content.decode()
    composer = html[html.index('id="activity-composer"'):html.index("</form>", html.index('id="activity-composer"'))]
    assert 'value="wechat"' in composer and "微信" in composer
    primary = own.contacts.get(is_primary=True)
    assert f'<option value="{primary.pk}" selected>' in composer


def test_the_composer_logs_a_follow_up_in_place_and_moves_the_key_facts(client_for, rep, own):
    other = own.contacts.get(name="林一")
    response = client_for(rep).post(f"/customers/{own.pk}/activities/new/", {
        "kind": "wechat", "subject": "微信发送报价", "content": "报价单已发", "contact": other.pk,
        "next_follow_up_at": "2027-01-05T10:00"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    activity = Activity.objects.get(customer=own)
    assert (activity.kind, activity.subject, activity.contact) == ("wechat", "微信发送报价", other)
    # A fresh composer (nothing typed in it), the timeline with the new entry and the summary, both out of band.
    assert 'id="composer-saved"' in html and 'value="微信发送报价"' not in html
    assert 'id="timeline" hx-swap-oob="innerHTML"' in html and "微信发送报价" in html
    assert 'id="record-summary" hx-swap-oob="true"' in html and "2027-01-05 10:00" in html


def test_an_invalid_follow_up_comes_back_with_its_errors_and_changes_nothing(client_for, rep, own):
    response = client_for(rep).post(f"/customers/{own.pk}/activities/new/",
                                    {"kind": "wechat", "subject": "", "content": "只写了内容"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "invalid-feedback" in html
    assert "只写了内容" in html  # what the user typed stays
    assert 'hx-swap-oob' not in html and not Activity.objects.filter(customer=own).exists()


def test_without_script_the_composer_posts_and_comes_back_to_the_page(client_for, rep, own):
    response = client_for(rep).post(f"/customers/{own.pk}/activities/new/", {
        "kind": "call", "subject": "电话回访", "next": own.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == own.get_absolute_url()
    assert Activity.objects.filter(customer=own, subject="电话回访").exists()


def test_the_composer_is_not_offered_to_whoever_cannot_log_follow_ups(client_for, rep, org, own):
    release_to_pool(actor=rep, customer=own, reason="暂无需求")
    html = client_for(org["sales2"]).get(f"/customers/pool/{own.pk}/").content.decode()
    assert 'id="activity-composer"' not in html and "tel:" not in html


def test_a_revealed_contact_can_be_called_and_mailed(client_for, admin_user, own):
    contact = own.contacts.get(name="陈晨")
    html = client_for(admin_user).get(f"/customers/contacts/{contact.pk}/reveal/").content.decode()
    assert 'href="tel:13800001111"' in html and "data-compose-contact" in html
    masked = client_for(admin_user).get(own.get_absolute_url()).content.decode()
    assert "tel:13800001111" not in masked and "138****1111" in masked


def test_the_timeline_names_people_not_logins(client_for, rep, own):
    log_activity(actor=rep, customer=own, data={"kind": "visit", "subject": "上门拜访"})
    html = client_for(rep).get(own.get_absolute_url()).content.decode()
    timeline = html[html.index('id="timeline"'):]
    assert rep.name in timeline and f" {rep.username}<" not in timeline and f">{rep.username}<" not in timeline
