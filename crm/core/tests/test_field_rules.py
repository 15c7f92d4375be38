"""The platform's field rules on filters, orderings and related ids, proven on the suite's own module: a module
declares plain FilterSets, orderings and serializers, and the platform keeps what a role may not read out of them
(crm/core/filtersets.py, crm/core/api/filters.py, ScopedViewSetMixin)."""

import pytest

from crm.accounts.models import Role, User
from crm.customers.models import Customer
from crm.customers.services import create_customer
from crm.testing_app import services
from crm.testing_app.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget_blind(rep):
    """A user like the rep whose role may not read a project's budget."""
    base = rep.roles.first()
    role = Role.objects.create(code="budget_blind", name="budget blind", data_scope=base.data_scope,
                               permissions=base.permissions, denied_read_fields=["testing_app.project.budget"])
    user = User.objects.create_user(username="budget_blind", password="x", department=rep.department)
    user.roles.add(role)
    return user


@pytest.fixture
def projects(budget_blind):
    return [services.create_project(actor=budget_blind, data={"name": name, "budget": budget})
            for name, budget in (("甲项目", 300), ("乙项目", 100), ("丙项目", 200))]


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_a_filter_on_a_hidden_field_is_refused_whatever_the_value(api_client_for, client_for, budget_blind,
                                                                  admin_user, projects):
    client = api_client_for(budget_blind)
    for value in ("150", "1000000"):  # a right and a wrong guess answer alike
        response = client.get("/api/v1/projects/", {"budget_min": value})
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["budget_min"] == ["您的角色不能按此字段搜索或筛选。"]
    assert sorted(names(api_client_for(admin_user).get("/api/v1/projects/", {"budget_min": "150"}))) == [
        "丙项目", "甲项目"]
    page = client_for(budget_blind).get("/testing/projects/", {"budget_min": "150"})
    assert page.status_code == 200 and page.context["filterset"].errors  # the page ignores it, and says so


def test_an_ordering_by_a_hidden_field_is_ignored(api_client_for, client_for, budget_blind, admin_user, projects):
    client = api_client_for(budget_blind)
    default = names(client.get("/api/v1/projects/"))
    assert names(client.get("/api/v1/projects/", {"ordering": "budget"})) == default
    assert names(client.get("/api/v1/projects/", {"ordering": "-budget"})) == default
    assert names(api_client_for(admin_user).get("/api/v1/projects/", {"ordering": "budget"}))[:3] == [
        "乙项目", "丙项目", "甲项目"]
    page = client_for(budget_blind).get("/testing/projects/", {"sort": "budget"})
    assert page.context["sort"] != "budget"


def test_a_choice_of_a_record_out_of_scope_answers_as_a_missing_one(api_client_for, rep, other_rep):
    theirs = create_customer(actor=other_rep, data={"name": "别人的客户"})
    own = create_customer(actor=rep, data={"name": "自己的客户"})
    services.create_deal(actor=rep, data={"name": "自己的交易", "customer": own})
    missing = Customer.all_objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    client = api_client_for(rep)
    out_of_scope = client.get("/api/v1/deals/", {"customer": theirs.pk})
    absent = client.get("/api/v1/deals/", {"customer": missing})
    assert out_of_scope.status_code == absent.status_code == 400
    assert out_of_scope.json()["error"]["fields"] == absent.json()["error"]["fields"]
    assert names(client.get("/api/v1/deals/", {"customer": own.pk})) == ["自己的交易"]
    assert Project.objects.count() == 0


def all_filtersets():
    """Every FilterSet class of the modules (each keeps them in its filtersets.py)."""
    import importlib
    import importlib.util
    import pkgutil

    import crm
    from crm.core.filtersets import FilterSet

    for module in (m for m in pkgutil.iter_modules(crm.__path__) if m.ispkg):
        if importlib.util.find_spec(f"crm.{module.name}.filtersets"):
            importlib.import_module(f"crm.{module.name}.filtersets")
    found, pending = [], [FilterSet]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def test_every_method_filter_names_the_fields_it_reads():
    """A ``method=`` filter's field_name need not be a field (it defaults to the filter's name): unless it names
    what it reads, the field rules cannot refuse it, and a hidden value could be found by bisecting."""
    from django.core.exceptions import FieldDoesNotExist

    undeclared = []
    filtersets = all_filtersets()
    assert {"CustomerFilterSet", "AuditEventFilterSet", "ProjectFilterSet"} <= {f.__name__ for f in filtersets}
    for filterset in filtersets:
        model = filterset._meta.model
        for name, flt in filterset.base_filters.items():
            if not flt.method or name in filterset.method_reads:
                continue
            try:
                model._meta.get_field((flt.field_name or name).split("__")[0])
            except FieldDoesNotExist:
                undeclared.append(f"{filterset.__name__}.{name}")
    assert undeclared == []
