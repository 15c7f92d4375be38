"""The customer list as the shared list page (core/list/page.html) builds it: the exact count behind "500+",
destructive bulk actions asked first with their count and a delete undone from the next page, the manager's
team switch, and the phone's cards (only fields the role may read, tel: links)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.customers.models import Customer
from crm.customers.services import UNDO_WINDOW, create_customer

pytestmark = pytest.mark.django_db


def add_customers(user, count: int, **fields) -> list[Customer]:
    return Customer.objects.bulk_create([
        Customer(name=f"客户{number:03d}", owner=user, department=user.department, created_by=user, **fields)
        for number in range(count)])


def test_the_capped_count_links_to_the_exact_one(client_for, rep, settings):
    settings.CRM_LIST_COUNT_CAP = 60
    add_customers(rep, 130)
    client = client_for(rep)
    html = client.get("/customers/?level=&sort=name").content.decode()
    assert "60+" in html
    link = re.search(r'href="\?([^"]*count=exact)" id="count-exactly"', html)
    assert link is not None and "level=" in link.group(1)
    exact = client.get(f"/customers/?{link.group(1).replace('&amp;', '&')}").content.decode()
    assert "130" in exact and "60+" not in exact and 'id="count-exactly"' not in exact
    assert re.search(r'id="page-position">[^<]*\b3\b', exact)  # Page 1 of 3, not "2+"
    # The exact count is asked once: the next page's link does not carry it.
    next_link = re.search(r'href="\?([^"]*page=2[^"]*)"', exact).group(1)
    assert "count=exact" not in next_link


def test_the_exact_count_stays_inside_the_users_scope(client_for, rep, other_rep, settings):
    settings.CRM_LIST_COUNT_CAP = 5
    add_customers(rep, 7)
    add_customers(other_rep, 40)
    html = client_for(rep).get("/customers/?count=exact").content.decode()
    assert re.search(r'id="result-count">7 ', html)


def test_a_bulk_delete_asks_first_with_the_count_and_changes_nothing_until_confirmed(client_for, manager, org):
    mine = create_customer(actor=org["sales1"], data={"name": "待删除甲"})
    second = create_customer(actor=org["sales2"], data={"name": "待删除乙"})
    outside = create_customer(actor=org["support1"], data={"name": "客服部的客户"})
    client = client_for(manager)
    response = client.post(reverse("customers:bulk"), {"action": "delete", "ids": [mine.pk, second.pk, outside.pk],
                                                       "next_query": "sort=name"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="bulk-confirm"' in html
    assert "待删除甲" in html and "待删除乙" in html and "客服部的客户" not in html  # not theirs: not even named
    assert re.search(r'id="bulk-confirm-skipped">[^<]*\b1\b', html)
    assert Customer.objects.filter(pk__in=[mine.pk, second.pk]).count() == 2
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).exists()
    # Confirm resends the same selection.
    hidden = dict(re.findall(r'<input type="hidden" name="(action|next_query)" value="([^"]*)"', html))
    assert hidden == {"action": "delete", "next_query": "sort=name"}
    ids = re.findall(r'<input type="hidden" name="ids" value="(\d+)"', html)
    assert sorted(map(int, ids)) == sorted([mine.pk, second.pk, outside.pk])


def test_a_confirmed_bulk_delete_is_undone_from_the_next_page(client_for, manager, org):
    customers = [create_customer(actor=org["sales1"], data={"name": f"撤销测试{n}"}) for n in range(3)]
    ids = [c.pk for c in customers]
    client = client_for(manager)
    response = client.post(reverse("customers:bulk"), {"action": "delete", "ids": ids, "confirmed": "1",
                                                       "next_query": "sort=name"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/customers/?sort=name"
    assert not Customer.objects.filter(pk__in=ids).exists()
    offer = re.search(r'<form method="post" action="([^"]+)"[^>]*id="undo-offer">(.*?)</form>', html, re.S)
    assert offer is not None and "3" in offer.group(2)
    # The offer shows once.
    assert 'id="undo-offer"' not in client.get("/customers/?sort=name").content.decode()
    fields = re.findall(r'name="(action|ids|next_query)" value="([^"]*)"', offer.group(2))
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    restored = client.post(offer.group(1), data, follow=True)
    assert sorted(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True)) == sorted(ids)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RESTORE).count() == 3
    assert any("3" in str(m) for m in restored.context["messages"])


def test_only_whoever_deleted_may_undo_and_only_for_a_while(client_for, manager, org):
    customer = create_customer(actor=org["sales1"], data={"name": "撤销时限"})
    admin = org["admin"]
    client_for(manager).post(reverse("customers:bulk"), {"action": "delete", "ids": [customer.pk], "confirmed": "1"})
    assert not Customer.objects.filter(pk=customer.pk).exists()
    # Someone else with the delete right (another manager's view of the same record) cannot "undo" it.
    other = org["sales2"]
    client_for(other).post(reverse("customers:bulk"), {"action": "restore", "ids": [customer.pk]})
    assert not Customer.objects.filter(pk=customer.pk).exists()
    # Past the window the deleter's undo is refused; the administrator still restores from the bin.
    Customer.all_objects.filter(pk=customer.pk).update(
        deleted_at=timezone.now() - UNDO_WINDOW - datetime.timedelta(minutes=1))
    client_for(manager).post(reverse("customers:bulk"), {"action": "restore", "ids": [customer.pk]})
    assert not Customer.objects.filter(pk=customer.pk).exists()
    client_for(admin).post(reverse("customers:bulk"), {"action": "restore", "ids": [customer.pk]})
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_releasing_to_the_pool_asks_first_and_needs_its_reason_before_asking(client_for, manager, org):
    customer = create_customer(actor=org["sales1"], data={"name": "释放确认"})
    client = client_for(manager)
    refused = client.post(reverse("customers:bulk"), {"action": "pool", "ids": [customer.pk]}, follow=True)
    assert 'id="bulk-confirm"' not in refused.content.decode()
    assert any(m.level_tag == "error" for m in refused.context["messages"])
    asked = client.post(reverse("customers:bulk"), {"action": "pool", "ids": [customer.pk], "reason": "长期无人跟进"})
    assert 'id="bulk-confirm"' in asked.content.decode() and "释放确认" in asked.content.decode()
    customer.refresh_from_db()
    assert customer.owner_id == org["sales1"].pk
    client.post(reverse("customers:bulk"), {"action": "pool", "ids": [customer.pk], "reason": "长期无人跟进",
                                            "confirmed": "1"})
    customer.refresh_from_db()
    assert customer.owner_id is None and customer.pool_entered_at is not None


def test_a_manager_switches_between_mine_and_the_team_a_rep_has_no_switch(client_for, manager, rep, org):
    create_customer(actor=manager, data={"name": "经理自己的客户"})
    create_customer(actor=org["sales1"], data={"name": "团队成员的客户"})
    client = client_for(manager)
    team = client.get("/customers/?sort=name").content.decode()
    assert "经理自己的客户" in team and "团队成员的客户" in team
    mine_link = re.search(r'href="\?([^"]*)" id="team-switch-mine"', team).group(1).replace("&amp;", "&")
    mine = client.get(f"/customers/?{mine_link}").content.decode()
    assert "经理自己的客户" in mine and "团队成员的客户" not in mine
    assert 'id="team-switch-mine"' in mine and 'aria-current="page" href="?' in mine
    assert 'id="team-switch"' not in client_for(rep).get("/customers/").content.decode()


def test_the_phone_cards_carry_their_fields_with_labels_and_the_phone_as_a_tel_link(client_for, rep):
    create_customer(actor=rep, data={"name": "卡片客户", "phone": "0571-88886666", "level": "A"})
    html = client_for(rep).get("/customers/?col=name&col=city").content.decode()
    row = re.search(r"<tr>.*?卡片客户.*?</tr>", html, re.S).group(0)
    # Chosen columns the card leaves out are hidden on a phone; card fields the table leaves out are hidden
    # on a wide screen, each with its label for the card.
    assert '<td class="crm-card-hide">' in row
    assert re.search(r'<td class="d-md-none" data-label="[^"]+"><a href="tel:057188886666">', row)
    assert row.count('class="d-md-none" data-label=') == 5


def test_a_card_never_prints_a_field_the_role_may_not_read(client_for, org, admin_user):
    marketing = org["marketing1"]  # the demo's marketing role may not read customers' phones
    create_customer(actor=admin_user, data={"name": "隐藏电话", "phone": "057188887777", "owner": marketing})
    html = client_for(marketing).get("/customers/").content.decode()
    assert "隐藏电话" in html and "88887777" not in html and "tel:" not in html


def test_the_api_undoes_a_delete_with_the_restore_bulk_action(api_client_for, manager, org):
    customer = create_customer(actor=org["sales1"], data={"name": "接口撤销"})
    client = api_client_for(manager)
    deleted = client.post("/api/v1/customers/bulk/", {"action": "delete", "ids": [customer.pk]}, format="json")
    assert deleted.status_code == 200 and deleted.json()["done"] == [customer.pk]
    refused = api_client_for(org["sales2"]).post("/api/v1/customers/bulk/", {"action": "restore", "ids": [customer.pk]},
                                                 format="json")
    assert refused.status_code in (400, 403) and not Customer.objects.filter(pk=customer.pk).exists()
    restored = client.post("/api/v1/customers/bulk/", {"action": "restore", "ids": [customer.pk]}, format="json")
    assert restored.json()["done"] == [customer.pk] and Customer.objects.filter(pk=customer.pk).exists()


def test_levels_and_stages_show_their_colour_from_the_dictionary(client_for, rep):
    from crm.system.dictionaries import forget_labels
    from crm.system.models import DictionaryItem

    DictionaryItem.objects.update_or_create(kind="customer_level", code="A", defaults={
        "label_zh": "重要客户", "label_en": "Key account", "color": "#b02a37"})
    forget_labels("customer_level")
    create_customer(actor=rep, data={"name": "有颜色的客户", "level": "A"})
    row = re.search(r"<tr>.*?有颜色的客户.*?</tr>", client_for(rep).get("/customers/").content.decode(), re.S).group(0)
    assert '<span class="crm-swatch" data-color="#b02a37" aria-hidden="true"></span>重要客户' in row
    DictionaryItem.objects.filter(kind="customer_level", code="A").update(color="")
    forget_labels("customer_level")
    row = re.search(r"<tr>.*?有颜色的客户.*?</tr>", client_for(rep).get("/customers/").content.decode(), re.S).group(0)
    assert "#b02a37" not in row
