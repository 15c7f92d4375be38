"""Tags, collaborators, the recycle bin, saved views, columns, sorting and bulk actions on customers."""

import pytest
from django.urls import reverse
from django.utils import translation

from crm.audit.models import AuditEvent
from crm.core.models import SavedView
from crm.customers.models import Contact, Customer
from crm.customers.services import create_contact, create_customer, delete_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(rep):
    return create_customer(actor=rep, data={"name": "西湖科技有限公司", "tags": ["重点客户", "展会2026"]})


@pytest.fixture
def others(other_rep):
    return create_customer(actor=other_rep, data={"name": "钱塘贸易有限公司"})


# --- Tags and collaborators -------------------------------------------------------------------------------

def test_tags_typed_on_the_form_are_created_and_audited(client_for, rep):
    client_for(rep).post(reverse("customers:create"), {
        "name": "灵隐软件", "kind": "company", "owner": rep.pk, "tags": "重点客户， 华东 ,重点客户"})
    customer = Customer.objects.get(name="灵隐软件")
    assert sorted(t.name for t in customer.tags.all()) == ["华东", "重点客户"]
    event = AuditEvent.objects.get(action="create", object_id=str(customer.pk))
    assert event.changes["tags"] == [None, ["华东", "重点客户"]]


def test_tags_are_read_and_written_by_name_in_the_api(api_client_for, rep, own):
    api = api_client_for(rep)
    response = api.patch(f"/api/v1/customers/{own.pk}/", {"tags": ["华东"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["华东"]
    assert api.get("/api/v1/customers/?tag=华东").json()["results"][0]["id"] == own.pk
    assert api.get("/api/v1/customers/?tag=重点客户").json()["results"] == []


def test_a_collaborator_sees_and_works_on_a_customer_outside_their_scope(client_for, api_client_for, rep,
                                                                          other_rep, own):
    contact = create_contact(actor=rep, customer=own, data={"name": "王芳", "mobile": "13800138000"})
    assert api_client_for(other_rep).get(f"/api/v1/customers/{own.pk}/").status_code == 404

    api_client_for(rep).patch(f"/api/v1/customers/{own.pk}/", {"collaborators": [other_rep.pk]}, format="json")

    api = api_client_for(other_rep)
    assert api.get(f"/api/v1/customers/{own.pk}/").status_code == 200
    assert api.get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    assert client_for(other_rep).get(reverse("customers:detail", args=[own.pk])).status_code == 200
    assert own.pk in [c["id"] for c in api.get("/api/v1/customers/").json()["results"]]
    event = AuditEvent.objects.filter(action="update", object_id=str(own.pk)).latest("id")
    assert event.changes["collaborators"] == [[], [str(other_rep)]]


# --- Recycle bin --------------------------------------------------------------------------------------------

def test_a_deleted_customer_disappears_from_every_door_but_keeps_its_records(client_for, api_client_for, rep,
                                                                            manager, own):
    create_contact(actor=rep, customer=own, data={"name": "王芳"})
    response = client_for(manager).post(reverse("customers:delete", args=[own.pk]))
    assert response.status_code == 302

    assert Customer.all_objects.get(pk=own.pk).deleted_by == manager
    assert Contact.objects.filter(customer_id=own.pk).exists()  # kept for a restore
    api = api_client_for(rep)
    assert api.get(f"/api/v1/customers/{own.pk}/").status_code == 404
    assert api.get("/api/v1/contacts/").json()["results"] == []
    assert api.get("/api/v1/search/?q=西湖").json()["results"] == []
    assert client_for(rep).get(reverse("customers:detail", args=[own.pk])).status_code == 404
    assert "西湖科技" not in client_for(rep).get(reverse("customers:list")).content.decode()


def test_only_administrators_restore_or_purge(client_for, api_client_for, rep, manager, admin_user, own):
    delete_customer(actor=rep, customer=own)
    rep_api = api_client_for(manager)
    assert rep_api.get("/api/v1/customers/recycle-bin/").json()["results"][0]["id"] == own.pk
    refused = rep_api.post(f"/api/v1/customers/{own.pk}/restore/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"

    page = client_for(admin_user).get(reverse("customers:recycle_bin")).content.decode()
    assert "西湖科技有限公司" in page
    client_for(admin_user).post(reverse("customers:recycle_bin_action", args=[own.pk, "restore"]))
    assert Customer.objects.filter(pk=own.pk).exists()
    assert AuditEvent.objects.filter(action="restore", object_id=str(own.pk)).exists()

    delete_customer(actor=admin_user, customer=Customer.objects.get(pk=own.pk))
    assert api_client_for(admin_user).delete(f"/api/v1/customers/{own.pk}/purge/").status_code == 204
    assert not Customer.all_objects.filter(pk=own.pk).exists()
    assert AuditEvent.objects.filter(action="purge", object_id=str(own.pk)).exists()


def test_a_live_customer_cannot_be_purged(api_client_for, admin_user, own):
    assert api_client_for(admin_user).delete(f"/api/v1/customers/{own.pk}/purge/").status_code == 404
    assert Customer.objects.filter(pk=own.pk).exists()


def test_the_recycle_bin_acts_on_the_record_as_it_is_now_not_as_it_was_read(admin_user, rep, own, others):
    # Given two admins who opened the same binned customer, one of whom merges it into another meanwhile
    from crm.core.errors import DomainError
    from crm.customers.services import purge_customer, restore_customer
    from crm.customers.services.merge import merge_customers

    delete_customer(actor=rep, customer=own)
    read_before = Customer.all_objects.get(pk=own.pk)
    Customer.all_objects.filter(pk=own.pk).update(deleted_at=None)
    merge_customers(actor=admin_user, survivor=others, others=[Customer.objects.get(pk=own.pk)])
    # Then a restore from the earlier read is refused: the merged record stays merged
    with pytest.raises(DomainError):
        restore_customer(actor=admin_user, customer=read_before)
    assert Customer.all_objects.get(pk=own.pk).merged_into_id == others.pk

    # And a purge from a read taken before a restore is refused: the restored customer stays
    binned = create_customer(actor=rep, data={"name": "孤山茶社"})
    delete_customer(actor=rep, customer=binned)
    stale = Customer.all_objects.get(pk=binned.pk)
    restore_customer(actor=admin_user, customer=Customer.all_objects.get(pk=binned.pk))
    with pytest.raises(DomainError):
        purge_customer(actor=admin_user, customer=stale)
    assert Customer.objects.filter(pk=binned.pk).exists()

    # And deleting twice from two reads writes one recycle-bin entry, not two
    first, second = Customer.objects.get(pk=binned.pk), Customer.objects.get(pk=binned.pk)
    delete_customer(actor=rep, customer=first)
    with pytest.raises(DomainError):
        delete_customer(actor=rep, customer=second)
    assert AuditEvent.objects.filter(action="delete", object_id=str(binned.pk)).count() == 2  # once per bin visit


# --- Saved views, columns, sorting ----------------------------------------------------------------------------

def test_a_saved_default_view_opens_with_its_filters_and_columns(client_for, rep, own):
    create_customer(actor=rep, data={"name": "钱塘小店", "level": "C"})
    client = client_for(rep)
    client.post(reverse("customers:save_view"), {"name": "我的重点", "query": "tag=重点客户&sort=name",
                                                 "col": ["name", "tags", "email"], "is_default": "on"})
    view = SavedView.objects.get(user=rep, name="我的重点")

    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and response.url.endswith(f"sort=name&view={view.pk}")
    page = client.get(response.url).content.decode()
    assert "西湖科技有限公司" in page and "钱塘小店" not in page
    assert [name for name, _label in client.get(response.url).context["columns"]] == ["name", "tags", "email"]


def test_columns_denied_to_the_role_cannot_be_chosen(client_for, org):
    marketing = org["marketing1"]  # the demo marketing role may not read customers' phone and e-mail
    response = client_for(marketing).get(reverse("customers:list") + "?col=name&col=phone&col=email")
    assert [name for name, _label in response.context["columns"]] == ["name"]


def test_sorting_by_a_column_and_ignoring_unknown_sorts(client_for, rep):
    for name in ("乙公司", "甲公司", "丙公司"):
        create_customer(actor=rep, data={"name": name})
    client = client_for(rep)
    names = [c.name for c in client.get(reverse("customers:list") + "?sort=name").context["object_list"]]
    assert names == sorted(names)
    assert client.get(reverse("customers:list") + "?sort=password").status_code == 200


def test_saved_views_in_the_api_are_private(api_client_for, rep, other_rep):
    response = api_client_for(rep).post("/api/v1/saved-views/", {
        "list_key": "customers", "name": "A级", "query": "level=A", "columns": ["name"]}, format="json")
    assert response.status_code == 201, response.content
    assert api_client_for(other_rep).get("/api/v1/saved-views/").json()["results"] == []
    assert api_client_for(other_rep).delete(f"/api/v1/saved-views/{response.json()['id']}/").status_code == 404
    empty = api_client_for(rep).post("/api/v1/saved-views/", {"list_key": "customers", "name": " "},
                                     format="json")
    assert empty.status_code == 400


# --- Bulk actions -------------------------------------------------------------------------------------------

def test_bulk_tag_changes_only_the_records_in_scope(api_client_for, rep, own, others):
    response = api_client_for(rep).post("/api/v1/customers/bulk/", {
        "action": "tag", "ids": [own.pk, others.pk], "tags": ["春节拜访"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["done"] == [own.pk]
    assert [s["id"] for s in response.json()["skipped"]] == [others.pk]
    assert not others.tags.exists()
    assert "春节拜访" in [t.name for t in own.tags.all()]


def test_bulk_assign_needs_the_assign_right(api_client_for, rep, manager, other_rep, own):
    refused = api_client_for(rep).post("/api/v1/customers/bulk/", {
        "action": "assign", "ids": [own.pk], "owner": other_rep.pk}, format="json")
    assert refused.status_code == 403
    done = api_client_for(manager).post("/api/v1/customers/bulk/", {
        "action": "assign", "ids": [own.pk], "owner": other_rep.pk}, format="json")
    assert done.json()["done"] == [own.pk]
    own.refresh_from_db()
    assert own.owner == other_rep and own.department == other_rep.department


def test_bulk_delete_from_the_list_page_reports_what_was_skipped(client_for, manager, own, others, org):
    support_customer = create_customer(actor=org["support1"], data={"name": "客服部客户"})
    response = client_for(manager).post(reverse("customers:bulk"), {
        "action": "delete", "ids": [own.pk, others.pk, support_customer.pk], "confirmed": "1"}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    with translation.override("zh-hans"):
        moved = translation.ngettext("%(count)d customer moved to the recycle bin.",
                                     "%(count)d customers moved to the recycle bin.", 2) % {"count": 2}
        skipped = translation.gettext("Not found or not yours to change.")
    assert moved in response.content.decode()  # with its Undo button (test_list_page.py)
    assert any(text.startswith("跳过 1 个客户") and skipped in text for text in texts)
    assert not Customer.objects.filter(pk__in=[own.pk, others.pk]).exists()
    assert Customer.objects.filter(pk=support_customer.pk).exists()


@pytest.mark.parametrize("payload", [
    {"action": "explode", "ids": [1]},
    {"action": "tag", "ids": []},
    {"action": "tag", "ids": [1]},
    {"action": "assign", "ids": [1]},
    {"action": "tag", "ids": ["x"], "tags": ["a"]},
    {"action": "tag", "ids": list(range(1, 1003)), "tags": ["a"]},
])
def test_bad_bulk_requests_get_a_clear_400(api_client_for, manager, payload):
    response = api_client_for(manager).post("/api/v1/customers/bulk/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_pool_users_page_through_a_pool_customers_timeline(client_for, rep, other_rep, org, own):
    from django.utils import timezone

    from crm.customers.services import log_activity

    log_activity(actor=rep, customer=own, data={"kind": "call", "subject": "老客户回访"})
    Customer.objects.filter(pk=own.pk).update(owner=None, pool_entered_at=timezone.now())
    url = reverse("customers:pool_timeline", args=[own.pk]) + "?before=2999-01-01T00:00:00%2B08:00"
    assert "老客户回访" in client_for(other_rep).get(url).content.decode()
    # 刘洋 (marketing) may view customers but not use the pool.
    assert client_for(org["marketing1"]).get(url).status_code == 403
    # The customer's own timeline follows the data scope: the pool is not a way into it.
    own_timeline = reverse("customers:timeline", args=[own.pk]) + "?before=2999-01-01T00:00:00%2B08:00"
    assert client_for(other_rep).get(own_timeline).status_code == 404


# --- Classification ---------------------------------------------------------------------------------------

def test_type_size_and_credit_rating_come_from_their_dictionaries(api_client_for, rep):
    api = api_client_for(rep)
    created = api.post("/api/v1/customers/", {"name": "滨江电子", "customer_type": "partner", "scale": "medium",
                                               "credit_rating": "AA", "city": "杭州"}, format="json")
    assert created.status_code == 201, created.content
    customer = Customer.objects.get(pk=created.json()["id"])
    assert customer.get_scale_display() == "100–499人" and customer.get_credit_rating_display() == "AA 信用优良"
    assert api.get("/api/v1/customers/?credit_rating=AA&city=杭州").json()["results"][0]["id"] == customer.pk

    refused = api.post("/api/v1/customers/", {"name": "不明公司", "credit_rating": "AAAA"}, format="json")
    assert refused.status_code == 400 and "credit_rating" in refused.json()["error"]["fields"]
    assert not Customer.objects.filter(name="不明公司").exists()
