"""Who may change a customer's owner (customers.assign, one rule for form, API, bulk and import), that a customer
never loses its owner but by release, and what the public pool shows before a claim — the same on every door."""

import pytest

from crm.accounts.models import Role, User
from crm.customers.models import Customer
from crm.customers.pool_preview import POOL_PREVIEW_FIELDS
from crm.customers.services import create_contact, create_customer, log_activity, update_customer
from crm.customers.services.pool import release_to_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(rep, other_rep):
    """The rep's customer, the other rep a collaborator on it."""
    return create_customer(actor=rep, data={"name": "协作测试公司", "collaborators": [other_rep]})


def owner_of(customer) -> int | None:
    return Customer.objects.filter(pk=customer.pk).values_list("owner_id", flat=True).get()


def test_a_collaborator_cannot_take_the_customer_through_the_api(api_client_for, rep, other_rep, shared):
    response = api_client_for(other_rep).patch(f"/api/v1/customers/{shared.pk}/", {"owner": other_rep.pk},
                                               format="json")
    assert response.status_code == 400
    assert "owner" in response.json()["error"]["fields"]
    assert owner_of(shared) == rep.pk
    assert api_client_for(rep).get(f"/api/v1/customers/{shared.pk}/").status_code == 200
    # Naming the owner it has is no change, and fine.
    same = api_client_for(other_rep).patch(f"/api/v1/customers/{shared.pk}/", {"owner": rep.pk, "level": "B"},
                                           format="json")
    assert same.status_code == 200 and owner_of(shared) == rep.pk


def test_a_collaborator_cannot_take_the_customer_through_the_form(client_for, rep, other_rep, shared):
    client = client_for(other_rep)
    page = client.get(f"/customers/{shared.pk}/edit/")
    assert page.context["form"].fields["owner"].disabled  # shown, not changeable
    data = {"name": shared.name, "kind": "company", "owner": other_rep.pk, "lifecycle_stage": "prospect",
            "collaborators": [other_rep.pk], "level": "B"}
    assert client.post(f"/customers/{shared.pk}/edit/", data).status_code == 302
    assert owner_of(shared) == rep.pk and Customer.objects.get(pk=shared.pk).level == "B"  # the rest was saved


def test_nobody_drops_the_owner_by_editing_release_is_the_way(api_client_for, client_for, rep, manager, shared):
    for user in (rep, manager):  # the owner, and a manager who may assign
        response = api_client_for(user).patch(f"/api/v1/customers/{shared.pk}/", {"owner": None}, format="json")
        assert response.status_code == 400, user
        assert response.json()["error"]["fields"]["owner"] == [
            "客户必须有负责人；要放弃它，请将其释放到公海。"], user
        assert owner_of(shared) == rep.pk
    form = client_for(manager).post(f"/customers/{shared.pk}/edit/", {
        "name": shared.name, "kind": "company", "owner": "", "lifecycle_stage": "prospect"})
    assert form.status_code == 200 and "owner" in form.context["form"].errors
    assert owner_of(shared) == rep.pk
    assert Customer.objects.get(pk=shared.pk).pool_entered_at is None


def test_a_manager_who_may_assign_changes_the_owner(api_client_for, rep, other_rep, manager, shared):
    response = api_client_for(manager).patch(f"/api/v1/customers/{shared.pk}/", {"owner": other_rep.pk},
                                             format="json")
    assert response.status_code == 200 and owner_of(shared) == other_rep.pk


def test_a_pool_customer_changes_hands_only_by_claim_or_assignment(rep, manager):
    customer = release_to_pool(actor=rep, customer=create_customer(actor=rep, data={"name": "公海客户"}),
                               reason="no_need")
    from crm.core.errors import DomainError

    with pytest.raises(DomainError):
        update_customer(actor=manager, customer=customer, data={"owner": manager})
    assert owner_of(customer) is None


def test_an_import_cannot_take_an_existing_customer_either(rep, other_rep, shared):
    from crm.customers.importing.rows import Lookups, RowPlan
    from crm.customers.importing.validation import owner_problem

    lookups = Lookups.load(other_rep, {other_rep.name}, labels={"owner": "负责人"})
    plan = RowPlan(number=2, customer={"name": shared.name}, tags=[], contact={}, owner=other_rep)
    assert owner_problem(plan, other_rep, lookups, rep.pk, updating=True)  # the row would take rep's customer
    assert owner_problem(plan, other_rep, lookups, None, updating=False) is None  # a new customer of one's own


def test_ownerless_customers_answer_owner_name_null(api_client_for, admin_user, rep):
    customer = release_to_pool(actor=rep, customer=create_customer(actor=rep, data={"name": "无主客户"}),
                               reason="no_need")
    client = api_client_for(admin_user)
    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["owner_name"] is None
    rows = client.get("/api/v1/customers/", {"in_pool": "true"}).json()["results"]
    assert [row["owner_name"] for row in rows if row["id"] == customer.pk] == [None]
    create_customer(actor=admin_user, data={"name": "无主客户"})  # a duplicate by name, with an owner
    groups = client.get("/api/v1/customers/duplicates/").json()["results"]
    names = [member["owner_name"] for group in groups for member in group["customers"]]
    assert None in names and not [name for name in names if name and "method-wrapper" in name]


# --- The pool's field list -------------------------------------------------------------------------------

WITHHELD = {"phone": "13912345678", "email": "withheld@example.cn", "address": "杭州市西湖区文三路 88 号",
            "remark": "只给认领人看的备注"}


@pytest.fixture
def released(rep):
    customer = create_customer(actor=rep, data={"name": "公海预览测试", "level": "A", "city": "杭州", **WITHHELD})
    update_customer(actor=rep, customer=customer, data={"remark": "改过的备注 Z9", "city": "宁波"})
    create_contact(actor=rep, customer=customer, data={"name": "预览联系人", "mobile": "13700001111"})
    log_activity(actor=rep, customer=customer, data={"kind": "call", "subject": "报价回访",
                                                      "content": "客户手机 13912345678，地址文三路"})
    return release_to_pool(actor=rep, customer=customer, reason="no_need")


def test_the_pool_page_and_its_timeline_show_what_the_pool_api_shows(client_for, api_client_for, other_rep,
                                                                       released):
    page = client_for(other_rep).get(f"/customers/pool/{released.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "公海预览测试" in html
    for value in [*WITHHELD.values(), "改过的备注 Z9", "预览联系人", "13700001111", "文三路"]:
        assert value not in html, value
    assert "报价回访" in html and "宁波" in html  # the follow-up's subject, a change of a preview field
    shown = [name for name, _label, _value in page.context["field_rows"]]
    api = api_client_for(other_rep).get(f"/api/v1/pool/{released.pk}/").json()
    assert set(shown) == set(POOL_PREVIEW_FIELDS) and set(shown) <= set(api)
    assert not set(WITHHELD) & set(api)
    older = client_for(other_rep).get(f"/customers/pool/{released.pk}/timeline/",
                                      {"before": "2999-01-01T00:00:00+08:00"}).content.decode()
    assert "报价回访" in older and "13912345678" not in older and "改过的备注" not in older
    # The pool list offers no column the pool withholds.
    listing = client_for(other_rep).get("/customers/pool/", {"col": ["name", "phone", "email"]}).content.decode()
    assert "公海预览测试" in listing and WITHHELD["phone"] not in listing


def test_who_sees_the_customer_in_their_scope_still_sees_all_of_it_on_its_own_page(client_for, manager, released):
    html = client_for(manager).get(f"/customers/{released.pk}/").content.decode()
    assert WITHHELD["phone"] in html and "改过的备注 Z9" in html and "预览联系人" in html


# --- The pool-movement table of the rules page -------------------------------------------------------------

def test_the_pool_movement_table_lists_only_customers_in_the_viewers_scope(client_for, org, rep, other_rep):
    release_to_pool(actor=rep, customer=create_customer(actor=rep, data={"name": "一部放弃的客户"}),
                    reason="no_need")
    mine = create_customer(actor=other_rep, data={"name": "二部自己的客户"})
    release_to_pool(actor=other_rep, customer=mine, reason="no_need")
    from crm.customers.services.pool import claim_from_pool

    claim_from_pool(actor=rep, customer=Customer.objects.get(pk=mine.pk))  # now 一部's
    # A clerk who may read the system pages, but whose customer scope is their own.
    clerk_role = Role.objects.create(code="clerk", name="文员", data_scope="own",
                                     permissions=["system.view", "customers.view"])
    clerk = User.objects.create_user(username="clerk", password="x", name="文员", department=other_rep.department)
    clerk.roles.add(clerk_role)
    response = client_for(clerk).get("/customers/pool/rules/")
    page = response.content.decode()
    assert response.status_code == 200 and "一部放弃的客户" not in page and "二部自己的客户" not in page
    page = client_for(org["admin"]).get("/customers/pool/rules/").content.decode()  # whose scope is everything
    assert "一部放弃的客户" in page and "二部自己的客户" in page
    # Given a customer of the clerk's own, its movements are listed to them.
    own = create_customer(actor=org["admin"], data={"name": "文员的客户", "owner": clerk})
    release_to_pool(actor=org["admin"], customer=own, reason="no_need")
    claim_from_pool(actor=org["admin"], customer=Customer.objects.get(pk=own.pk))
    update_customer(actor=org["admin"], customer=Customer.objects.get(pk=own.pk), data={"owner": clerk})
    assert "文员的客户" in client_for(clerk).get("/customers/pool/rules/").content.decode()
