"""The extension points a module plugs into without editing core or customers: 360° panels, home-page widgets,
list columns / sorting / saved views of the base list view, personal-data providers and merge hooks. Each is
proved with a provider defined here, against the real pages and services."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.dashboard import Widget, register_widget, unregister_widget
from crm.core.errors import DomainError
from crm.core.models import SavedView
from crm.core.panels import Panel, register_panel, unregister_panel
from crm.customers.models import Activity, Contact, Customer
from crm.customers.services import create_contact, create_customer, log_activity
from crm.customers.services.merge import merge_customers, register_merge_hook, unregister_merge_hook
from crm.customers.services.personal_data import (
    PersonalDataProvider,
    erase_contact,
    export_contact_data,
    register_personal_data,
    unregister_personal_data,
)
from crm.customers.widgets import customers_by_stage_widget

pytestmark = pytest.mark.django_db


def same_city_panel(customer, user, page):
    """A module's panel: the other customers of the same city that the user may see."""
    neighbours = Customer.objects.visible_to(user).filter(city=customer.city).exclude(pk=customer.pk)
    return {"neighbours": list(neighbours.order_by("name", "pk"))} if customer.city else None


@pytest.fixture
def city_panel(tmp_path, settings):
    (tmp_path / "same_city.html").write_text(
        '<div class="card" id="same-city">{% for c in neighbours %}<span class="neighbour">{{ c.name }}</span>'
        "{% endfor %}{% if can_edit %}<i id='same-city-editable'></i>{% endif %}</div>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    register_panel("customers.customer", Panel(code="test.same_city", title="Same city", template="same_city.html",
                                               context=same_city_panel, order=50))
    yield
    unregister_panel("customers.customer", "test.same_city")


@pytest.fixture
def hangzhou(rep, other_rep):
    """Two customers of the rep and one of the other rep, all in 杭州; one of the rep's elsewhere."""
    return {
        "own": create_customer(actor=rep, data={"name": "西湖科技", "city": "杭州"}),
        "own_neighbour": create_customer(actor=rep, data={"name": "钱塘贸易", "city": "杭州"}),
        "others": create_customer(actor=other_rep, data={"name": "滨江电子", "city": "杭州"}),
        "elsewhere": create_customer(actor=rep, data={"name": "宁波港务", "city": "宁波"}),
    }


# --- 360° panels ----------------------------------------------------------------------------------------------

def test_a_registered_panel_shows_only_what_the_viewer_may_see(client_for, rep, manager, hangzhou, city_panel):
    url = reverse("customers:detail", args=[hangzhou["own"].pk])

    page = client_for(rep).get(url).content.decode()
    assert 'data-panel="test.same_city"' in page and "钱塘贸易" in page
    assert "滨江电子" not in page  # another rep's customer is outside the rep's scope
    assert "same-city-editable" in page  # the panel reads the page's flags

    assert "滨江电子" in client_for(manager).get(url).content.decode()  # the manager's scope holds both


def test_a_panel_is_left_out_without_its_permission_or_without_content(client_for, rep, admin_user, hangzhou,
                                                                      city_panel):
    register_panel("customers.customer", Panel(code="test.admin_only", title="Admin", template="same_city.html",
                                               context=same_city_panel, module="system", action="edit"))
    try:
        url = reverse("customers:detail", args=[hangzhou["own"].pk])
        assert 'data-panel="test.admin_only"' not in client_for(rep).get(url).content.decode()
        assert 'data-panel="test.admin_only"' in client_for(admin_user).get(url).content.decode()
    finally:
        unregister_panel("customers.customer", "test.admin_only")
    no_city = create_customer(actor=rep, data={"name": "无城市公司"})
    page = client_for(rep).get(reverse("customers:detail", args=[no_city.pk])).content.decode()
    assert 'data-panel="test.same_city"' not in page  # the provider returned None


def test_the_customer_page_renders_contacts_and_duplicates_as_panels_in_order(client_for, rep, hangzhou,
                                                                            city_panel):
    create_contact(actor=rep, customer=hangzhou["own"], data={"name": "张三", "mobile": "13800138000"})
    page = client_for(rep).get(reverse("customers:detail", args=[hangzhou["own"].pk])).content.decode()
    contacts, city, duplicates = (page.index(f'data-panel="{code}"') for code in
                                  ("contacts", "test.same_city", "duplicates"))
    assert contacts < city < duplicates
    assert "张三" in page and 'id="new-contact"' in page and 'id="duplicates-slot"' in page


def test_the_pool_preview_shows_no_contacts_and_no_duplicates(client_for, rep, other_rep):
    # The pool's field list (crm/customers/pool_preview.py): the ways to reach the customer come with the claim.
    customer = create_customer(actor=other_rep, data={"name": "公海客户"})
    create_contact(actor=other_rep, customer=customer, data={"name": "李四"})
    Customer.objects.filter(pk=customer.pk).update(owner=None, pool_entered_at=timezone.now())

    page = client_for(rep).get(reverse("customers:pool_detail", args=[customer.pk])).content.decode()
    assert "公海客户" in page and "李四" not in page and 'data-panel="contacts"' not in page
    assert 'id="new-contact"' not in page and 'data-panel="duplicates"' not in page


# --- Home-page widgets ----------------------------------------------------------------------------------------

@pytest.fixture
def scope_widget(tmp_path, settings):
    (tmp_path / "count.html").write_text('<p id="visible-count">{{ count }}</p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    register_widget(Widget(code="test.visible", title="Visible", template="count.html",
                           context=lambda user: {"count": Customer.objects.visible_to(user).count()},
                           module="customers", order=1))
    yield
    unregister_widget("test.visible")


def test_a_registered_widget_counts_within_the_viewers_scope(client_for, rep, manager, hangzhou, scope_widget):
    assert '<p id="visible-count">3</p>' in client_for(rep).get("/").content.decode()
    assert '<p id="visible-count">4</p>' in client_for(manager).get("/").content.decode()


def test_a_widget_needs_its_permission_and_one_of_its_roles(client_for, rep, manager, org, scope_widget):
    register_widget(Widget(code="test.managers", title="Managers", template="count.html",
                           context=lambda user: {"count": 0}, roles=frozenset({"sales_manager"})))
    try:
        assert 'data-widget="test.managers"' not in client_for(rep).get("/").content.decode()
        assert 'data-widget="test.managers"' in client_for(manager).get("/").content.decode()
    finally:
        unregister_widget("test.managers")
    # 客服 (support) has customers.view and no role restriction applies: the widget shows.
    assert 'data-widget="test.visible"' in client_for(org["support1"]).get("/").content.decode()


def test_the_due_follow_ups_widget_lists_the_reps_own_due_customers(client_for, rep, other_rep):
    now = timezone.now()
    overdue = create_customer(actor=rep, data={"name": "逾期客户"})
    later = create_customer(actor=rep, data={"name": "下周客户"})
    others = create_customer(actor=other_rep, data={"name": "别人的逾期客户"})
    Customer.objects.filter(pk__in=[overdue.pk, others.pk]).update(next_follow_up_at=now - dt.timedelta(days=1))
    Customer.objects.filter(pk=later.pk).update(next_follow_up_at=now + dt.timedelta(days=7))

    page = client_for(rep).get("/").content.decode()
    widget = page[page.index('data-widget="customers.due_follow_ups"'):]
    assert "逾期客户" in widget and "下周客户" not in widget and "别人的逾期客户" not in widget


def test_the_stage_widget_counts_the_reps_customers_per_stage(client_for, rep, other_rep, hangzhou):
    response = client_for(rep).get("/")
    by_stage = next(w for w in response.context["widgets"] if w.code == "customers.by_stage")
    stages = {code: count for code, _label, count, _colour in customers_by_stage_widget(rep)["stages"]}
    assert sum(stages.values()) == 3  # the rep's three, not the other rep's
    stage = Customer.objects.get(pk=hangzhou["own"].pk).lifecycle_stage
    assert stages[stage] == 3
    assert f'data-stage="{stage}"' in by_stage.html


# --- The base list view: columns, sorting, saved views (the pool list as a second list) ------------------------

@pytest.fixture
def pool_customers(other_rep):
    now = timezone.now()
    created = [create_customer(actor=other_rep, data={"name": name, "level": "B", "phone": "0571-88880001"})
               for name in ("甲公司", "乙公司", "丙公司")]
    Customer.objects.filter(pk__in=[c.pk for c in created]).update(owner=None, pool_entered_at=now)
    return created


def test_the_pool_list_offers_columns_and_sorts_with_the_primary_key_last(client_for, rep, pool_customers):
    client = client_for(rep)
    response = client.get(reverse("customers:pool") + "?col=name&col=city&col=phone&sort=level")
    assert [name for name, _label in response.context["columns"]] == ["name", "city"]  # the pool shows no phone
    # Equal levels: the primary key decides, so pages never repeat or skip.
    assert [c.pk for c in response.context["object_list"]] == sorted(c.pk for c in pool_customers)
    assert list(response.context["paginator"].object_list.query.order_by) == ["level", "pk"]
    descending = client.get(reverse("customers:pool") + "?sort=-level")
    assert list(descending.context["paginator"].object_list.query.order_by) == ["-level", "-pk"]
    assert [c.pk for c in descending.context["object_list"]] == sorted((c.pk for c in pool_customers), reverse=True)


def test_a_field_the_role_may_not_read_is_never_a_column_nor_a_sort(client_for, rep, pool_customers):
    role = rep.roles.get()
    role.denied_read_fields = ["customers.customer.phone", "customers.customer.level"]
    role.save()
    client = client_for(rep)
    response = client.get(reverse("customers:pool") + "?col=name&col=phone&col=level&sort=level")
    assert [name for name, _label in response.context["columns"]] == ["name"]
    assert "phone" not in [name for name, _label, _shown in response.context["all_columns"]]
    assert response.context["sort"] == "-pool_entered_at"  # sorting by a hidden field would leak its order

    client.post(reverse("save_list_view"), {"list_key": "customers.pool", "name": "带电话", "col": ["name", "phone"],
                                            "query": "", "next": reverse("customers:pool")})
    assert SavedView.objects.get(user=rep, name="带电话").columns == ["name"]


def test_a_saved_default_view_of_the_pool_opens_by_itself(client_for, rep, pool_customers):
    client = client_for(rep)
    response = client.post(reverse("save_list_view"), {
        "list_key": "customers.pool", "name": "按名称", "query": "sort=name", "col": ["name", "level"],
        "is_default": "on", "next": reverse("customers:pool")})
    view = SavedView.objects.get(user=rep, list_key="customers.pool")
    assert response.status_code == 302 and response.url == f"/customers/pool/?sort=name&view={view.pk}"

    opened = client.get(reverse("customers:pool"))
    assert opened.status_code == 302 and opened.url == f"/customers/pool/?sort=name&view={view.pk}"
    page = client.get(opened.url)
    assert [name for name, _label in page.context["columns"]] == ["name", "level"]
    assert [c.name for c in page.context["object_list"]] == sorted(c.name for c in pool_customers)
    assert SavedView.objects.filter(user=rep, list_key="customers").count() == 0  # lists keep their own views

    deleted = client.post(reverse("delete_list_view", args=[view.pk]), {"next": reverse("customers:pool")})
    assert deleted.url == "/customers/pool/?sort=-pool_entered_at" and not SavedView.objects.filter(pk=view.pk)


def test_saving_a_view_needs_the_lists_permission_and_a_known_list(client_for, org, rep):
    marketing = org["marketing1"]  # no customers.pool
    client = client_for(marketing)
    assert client.post(reverse("save_list_view"), {"list_key": "customers.pool", "name": "x"}).status_code == 403
    assert client.post(reverse("save_list_view"), {"list_key": "no.such.list", "name": "x"}).status_code == 404
    assert not SavedView.objects.filter(user=marketing).exists()
    # An address elsewhere is no place to go back to.
    response = client_for(rep).post(reverse("save_list_view"), {
        "list_key": "customers", "name": "x", "query": "", "next": "https://evil.example/"})
    assert response.url.startswith("/?")


def test_another_users_saved_view_cannot_be_deleted(client_for, rep, other_rep):
    view = SavedView.objects.create(user=other_rep, list_key="customers.pool", name="李娜的")
    assert client_for(rep).post(reverse("delete_list_view", args=[view.pk])).status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_the_customer_list_orders_by_the_primary_key_last(client_for, rep):
    for name in ("乙", "甲"):
        create_customer(actor=rep, data={"name": f"{name}公司", "level": "A"})
    response = client_for(rep).get(reverse("customers:list") + "?sort=level")
    assert list(response.context["paginator"].object_list.query.order_by) == ["level", "pk"]
    unknown = client_for(rep).get(reverse("customers:list") + "?sort=x")
    assert list(unknown.context["paginator"].object_list.query.order_by) == ["-updated_at", "-pk"]


# --- Personal data providers --------------------------------------------------------------------------------

@pytest.fixture
def person(rep):
    customer = create_customer(actor=rep, data={"name": "杭州云帆科技"})
    return create_contact(actor=rep, customer=customer, data={"name": "张三", "mobile": "13800138000"})


@pytest.fixture
def tickets_provider():
    """A future module's part: 'tickets' that mention the person (here: follow-ups' subjects, to keep it real)."""
    seen = {}

    def export(contact):
        return {"tickets": [{"about": contact.name}]}

    def erase(erasure):
        seen.update(contact=erasure.contact.name, secrets=list(erasure.secrets), actor=erasure.actor,
                    scrubbed=erasure.scrub("张三来电 13800138000"))
        return {"tickets": 2}

    register_personal_data(PersonalDataProvider(code="test.tickets", export=export, erase=erase, order=50))
    yield seen
    unregister_personal_data("test.tickets")


def test_a_registered_provider_adds_its_section_to_the_export(rep, person, tickets_provider):
    data = export_contact_data(actor=rep, contact=person)
    assert data["tickets"] == [{"about": "张三"}] and data["contact"]["mobile"] == "13800138000"
    event = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert "tickets" in event.changes["sections"]


def test_a_registered_provider_erases_its_part_before_the_contact_is_cleared(manager, person, tickets_provider):
    erase_contact(actor=manager, contact=person)
    assert tickets_provider["contact"] == "张三"  # it still saw the person as they were
    assert tickets_provider["secrets"] == ["13800138000", "张三"] and tickets_provider["actor"] == manager
    assert "张三" not in tickets_provider["scrubbed"] and "13800138000" not in tickets_provider["scrubbed"]
    erase = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert erase.changes["tickets"] == 2
    assert Contact.objects.get(pk=person.pk).erased_at is not None


def test_a_provider_that_refuses_leaves_the_person_untouched(manager, rep, person):
    log_activity(actor=rep, customer=person.customer, data={"kind": "call", "subject": "给张三打电话",
                                                            "contact": person})

    def refuse(erasure):
        raise DomainError("此人有未结工单，暂不能删除。")

    register_personal_data(PersonalDataProvider(code="test.refuse", erase=refuse, order=500))
    try:
        with pytest.raises(DomainError):
            erase_contact(actor=manager, contact=person)
    finally:
        unregister_personal_data("test.refuse")
    assert Contact.objects.get(pk=person.pk).name == "张三"
    assert Activity.objects.get(contact=person).subject == "给张三打电话"  # the earlier provider's work rolled back
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ERASE).exists()


# --- Merge hooks ----------------------------------------------------------------------------------------------

def test_a_merge_hook_is_told_and_its_answer_kept_in_the_audit_row(manager, rep):
    survivor = create_customer(actor=rep, data={"name": "杭州云帆"})
    merged = create_customer(actor=rep, data={"name": "杭州云帆科技"})
    told = []

    def hook(*, survivor, merged, actor):
        told.append((survivor.pk, [m.pk for m in merged], actor))
        return {"opportunities_recounted": 1}

    register_merge_hook("test.sales", hook)
    try:
        merge_customers(actor=manager, survivor=survivor, others=[merged])
    finally:
        unregister_merge_hook("test.sales")
    assert told == [(survivor.pk, [merged.pk], manager)]
    event = AuditEvent.objects.get(action=AuditEvent.Action.MERGE, object_id=str(survivor.pk))
    assert event.changes["hooks"] == {"test.sales": {"opportunities_recounted": 1}}


def test_a_merge_hook_that_refuses_stops_the_merge(manager, rep):
    survivor = create_customer(actor=rep, data={"name": "杭州云帆"})
    merged = create_customer(actor=rep, data={"name": "杭州云帆科技"})
    create_contact(actor=rep, customer=merged, data={"name": "王五"})

    def refuse(*, survivor, merged, actor):
        raise DomainError("被合并的客户有进行中的合同。")

    register_merge_hook("test.refuse", refuse)
    try:
        with pytest.raises(DomainError):
            merge_customers(actor=manager, survivor=survivor, others=[merged])
    finally:
        unregister_merge_hook("test.refuse")
    assert Customer.objects.filter(pk=merged.pk).exists()
    assert Contact.objects.get(name="王五").customer_id == merged.pk


def test_the_recycle_bin_sorts_by_its_headers(client_for, admin_user, rep):
    from crm.customers.services import delete_customer

    for name in ("乙公司", "甲公司"):
        delete_customer(actor=admin_user, customer=create_customer(actor=rep, data={"name": name}))
    response = client_for(admin_user).get(reverse("customers:recycle_bin") + "?sort=name")
    assert [c.name for c in response.context["object_list"]] == sorted(["乙公司", "甲公司"])
    assert list(response.context["paginator"].object_list.query.order_by) == ["name", "pk"]
    assert "?&sort=-name" in response.content.decode()  # the header links to the reverse order
