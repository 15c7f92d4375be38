"""Field rules on every door: a field a role may not read (marketing: a customer's phone and e-mail) or sees only
masked (a contact's mobile without customers.unmask) cannot be searched, filtered or used to tell records apart;
an id out of scope answers exactly as an id that does not exist."""

import csv
import io

import pytest

from crm.customers.models import Customer
from crm.customers.services import create_contact, create_customer, log_activity

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
EMAIL = "quokka.buyer@example.cn"


@pytest.fixture
def marketing(org):
    return org["marketing1"]


@pytest.fixture
def theirs(admin_user, marketing):
    """A customer of marketing's own (so marketing sees it), with a phone and e-mail marketing may not read."""
    return create_customer(actor=admin_user, data={"name": "字段检索测试公司", "phone": PHONE, "email": EMAIL,
                                                   "owner": marketing})


def listed_by_api(client, query: str) -> set[int]:
    return {row["id"] for row in client.get("/api/v1/customers/", {"search": query}).json()["results"]}


def found_by_global_search(client, query: str) -> set[tuple[str, int]]:
    return {(hit["entity"], hit["id"]) for hit in client.get("/api/v1/search/", {"q": query}).json()["results"]}


def exported_names(response) -> list[str]:
    """The customer names in an exported file (its "name" column)."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = next(i for i, label in enumerate(rows[0]) if label in ("名称", "name", "Name"))
    return [row[column] for row in rows[1:]]


@pytest.mark.parametrize("query", [PHONE, PHONE[3:9], PHONE[-4:], EMAIL, "quokka"])
def test_a_role_denied_phone_and_email_finds_no_customer_by_them_through_the_api(
        api_client_for, marketing, admin_user, theirs, query):
    # Given marketing's own customer, whose phone and e-mail marketing's role may not read,
    # when marketing searches the list API and global search by (a part of) them, then nothing is found —
    assert theirs.pk not in listed_by_api(api_client_for(marketing), query)
    assert ("customer", theirs.pk) not in found_by_global_search(api_client_for(marketing), query)
    # — while the administrator finds it so, and marketing finds it by its name (the test is not vacuous).
    assert theirs.pk in listed_by_api(api_client_for(admin_user), query)
    assert theirs.pk in listed_by_api(api_client_for(marketing), "字段检索")
    assert ("customer", theirs.pk) in found_by_global_search(api_client_for(marketing), "字段检索")


def test_the_list_page_its_export_and_the_search_page_do_not_match_a_hidden_phone(
        client_for, api_client_for, marketing, admin_user, theirs):
    client = client_for(marketing)
    assert "字段检索测试公司" not in client.get("/customers/", {"q": PHONE[3:]}).content.decode()
    assert "字段检索测试公司" in client.get("/customers/", {"q": "字段检索"}).content.decode()
    assert exported_names(client.get("/customers/export/", {"format": "csv", "q": PHONE})) == []
    search_page = client.get("/search/", {"q": PHONE})
    assert not [hit for _provider, hits in search_page.context["results"] for hit in hits if hit.id == theirs.pk]
    api_export = api_client_for(marketing).get("/api/v1/customers/export/", {"format": "csv", "search": PHONE})
    assert exported_names(api_export) == []
    # The administrator's export of the same search holds it.
    admin_export = api_client_for(admin_user).get("/api/v1/customers/export/", {"format": "csv", "search": PHONE})
    assert exported_names(admin_export) == ["字段检索测试公司"]


def test_a_hidden_phone_cannot_be_rebuilt_digit_by_digit(api_client_for, marketing, theirs):
    # What the finding did: grow a prefix one digit at a time from hits and misses. Every guess now misses.
    client = api_client_for(marketing)
    hits = [digit for digit in "0123456789" if theirs.pk in listed_by_api(client, f"139{digit}")]
    assert hits == []


def test_the_pool_is_not_searched_by_phone_for_anyone(api_client_for, client_for, rep, other_rep, admin_user):
    from crm.customers.services.pool import release_to_pool

    customer = create_customer(actor=rep, data={"name": "公海检索测试", "phone": PHONE, "email": EMAIL})
    release_to_pool(actor=rep, customer=customer, reason="no_need")
    for user in (other_rep, admin_user):
        page = client_for(user).get("/customers/pool/", {"q": PHONE}).content.decode()
        assert "公海检索测试" not in page  # the pool shows no phone before a claim, so it finds none
        assert "公海检索测试" in client_for(user).get("/customers/pool/", {"q": "公海检索"}).content.decode()
        listed = api_client_for(user).get("/api/v1/pool/", {"q": PHONE}).json()["results"]
        assert customer.pk not in {row["id"] for row in listed}


def test_only_roles_that_may_unmask_filter_contacts_by_their_full_mobile(api_client_for, marketing, rep):
    # marketing sees its customer's contact, masked (no customers.unmask); the rep may unmask.
    mine = create_customer(actor=marketing, data={"name": "联系人过滤测试"})
    contact = create_contact(actor=marketing, customer=mine, data={"name": "王五", "mobile": PHONE, "email": EMAIL})
    for query in ({"phone": PHONE}, {"phone": "13900000000"}, {"email": EMAIL}):
        response = api_client_for(marketing).get("/api/v1/contacts/", query)
        # The same refusal whatever the value: a right guess and a wrong one look alike.
        assert response.status_code == 400, query
        assert "phone" in response.json()["error"]["fields"] or "email" in response.json()["error"]["fields"]
    listed = api_client_for(marketing).get("/api/v1/contacts/").json()["results"]
    assert contact.pk in {row["id"] for row in listed}  # marketing does see the contact, masked
    # Global search by the full mobile finds the contact only for a role that may unmask it.
    assert ("contact", contact.pk) not in found_by_global_search(api_client_for(marketing), PHONE)
    assert ("contact", contact.pk) in found_by_global_search(api_client_for(marketing), "王五")

    own = create_customer(actor=rep, data={"name": "联系人过滤测试二"})
    reps = create_contact(actor=rep, customer=own, data={"name": "赵六", "mobile": PHONE})
    rows = api_client_for(rep).get("/api/v1/contacts/", {"phone": PHONE}).json()["results"]
    assert [row["id"] for row in rows] == [reps.pk]
    assert ("contact", reps.pk) in found_by_global_search(api_client_for(rep), PHONE)


def test_sorting_by_a_hidden_field_is_ignored_on_the_api(api_client_for, org, marketing):
    from crm.accounts.models import Role

    # A role that may not read the level: its ?ordering=level answers in the default order.
    role = Role.objects.get(code="marketing")
    role.denied_read_fields = [*role.denied_read_fields, "customers.customer.level"]
    role.save()
    for level, name in (("A", "排序甲"), ("C", "排序乙"), ("B", "排序丙")):
        create_customer(actor=marketing, data={"name": name, "level": level})
    client = api_client_for(marketing)

    def order(**query):
        return [row["name"] for row in client.get("/api/v1/customers/", query).json()["results"]]

    assert order(ordering="level") == order(ordering="-level") == order()


# --- No existence oracle -----------------------------------------------------------------------------------

def test_a_filter_on_a_record_out_of_scope_answers_as_one_that_does_not_exist(api_client_for, rep, other_rep):
    theirs = create_customer(actor=other_rep, data={"name": "别人的客户"})
    missing = Customer.all_objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    client = api_client_for(rep)
    for url in ("/api/v1/contacts/", "/api/v1/activities/"):
        out_of_scope = client.get(url, {"customer": theirs.pk})
        absent = client.get(url, {"customer": missing})
        assert out_of_scope.status_code == absent.status_code == 400, url
        assert (out_of_scope.json()["error"]["fields"]["customer"]
                == [message.replace(str(missing), str(theirs.pk))
                    for message in absent.json()["error"]["fields"]["customer"]]), url


def test_a_related_id_out_of_scope_is_refused_as_a_missing_one(api_client_for, rep, other_rep):
    own = create_customer(actor=rep, data={"name": "我的客户"})
    theirs = create_customer(actor=other_rep, data={"name": "别人的客户"})
    their_contact = create_contact(actor=other_rep, customer=theirs, data={"name": "别人的联系人"})
    client = api_client_for(rep)

    def refusal(contact_id: int) -> list[str]:
        response = client.post("/api/v1/activities/", {"customer": own.pk, "kind": "call", "subject": "回访",
                                                       "contact": contact_id}, format="json")
        assert response.status_code == 400
        return [m.replace(str(contact_id), "ID") for m in response.json()["error"]["fields"]["contact"]]

    assert refusal(their_contact.pk) == refusal(their_contact.pk + 1000)
    assert own.activities.count() == 0


def test_anonymous_and_unpermitted_callers_learn_nothing_of_which_users_exist(client, client_for, rep, other_rep):
    missing = other_rep.pk + 1000
    for pk in (other_rep.pk, missing):
        response = client.get(f"/system/users/{pk}/password/")
        assert response.status_code == 302 and "/login/" in response["Location"], pk
    for pk in (other_rep.pk, missing):
        assert client_for(rep).get(f"/system/users/{pk}/password/").status_code == 403, pk


def test_adding_to_a_customer_needs_the_permission_before_the_customer_is_looked_up(client_for, org, rep):
    from crm.accounts.models import Role

    theirs = create_customer(actor=rep, data={"name": "别人的客户"})
    viewer = org["support1"]
    role = Role.objects.get(code="support")
    role.permissions = [code for code in role.permissions if code != "customers.edit"]
    role.save()
    for pk in (theirs.pk, theirs.pk + 1000):
        assert client_for(viewer).get(f"/customers/{pk}/contacts/new/").status_code == 403, pk
        assert client_for(viewer).get(f"/customers/{pk}/activities/new/").status_code == 403, pk


def test_an_activity_without_author_answers_null_not_a_method(api_client_for, rep):
    own = create_customer(actor=rep, data={"name": "无作者跟进"})
    activity = log_activity(actor=rep, customer=own, data={"kind": "call", "subject": "导入的跟进"})
    type(activity).objects.filter(pk=activity.pk).update(created_by=None)  # the author's account was removed
    row = api_client_for(rep).get(f"/api/v1/activities/{activity.pk}/").json()
    assert row["created_by_name"] is None


def test_a_method_filter_on_a_hidden_date_is_refused_like_the_plain_one(org, api_client_for, admin_user):
    """``no_follow_up_since`` reads the last follow-up through its method: a role denied that field may not
    bisect it through this filter any more than through ``last_follow_up_after``."""
    from crm.accounts.models import Role

    Role.objects.filter(code="marketing").update(denied_read_fields=["customers.customer.last_follow_up_at"])
    org["marketing1"].refresh_from_db()
    client = api_client_for(org["marketing1"])
    for query, refused in (({"no_follow_up_since": "2026-01-01"}, "no_follow_up_since"),
                           ({"last_follow_up_after": "2026-01-01"}, "last_follow_up")):
        response = client.get("/api/v1/customers/", query)
        assert response.status_code == 400, query
        assert list(response.json()["error"]["fields"]) == [refused]
    assert api_client_for(admin_user).get("/api/v1/customers/", {"no_follow_up_since": "2026-01-01"}).status_code == 200
