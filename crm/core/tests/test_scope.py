"""Data scope: which records each kind of role sees, straight from the one queryset method everything uses.

The records are the suite's own module's (crm/testing_app): a project per demo user, in the owner's department.
"""

import pytest

from crm.accounts.models import Department, Role, User
from crm.testing_app.models import Milestone, Project

pytestmark = pytest.mark.django_db


def create_project(owner: User, name: str) -> Project:
    return Project.objects.create(name=name, owner=owner, department=owner.department, created_by=owner)


@pytest.fixture
def book(org):
    """One project owned by each demo user, in the owner's department."""
    return {name: create_project(user, f"{name} 的项目") for name, user in org.items()}


def visible_names(user) -> set[str]:
    return set(Project.objects.visible_to(user).values_list("name", flat=True))


def make_user(username: str, department: Department, scope: str, manager: User | None = None) -> User:
    role, _ = Role.objects.get_or_create(code=f"scope-{scope}", defaults={
        "name": f"scope {scope}", "data_scope": scope, "permissions": ["testing_app.view", "testing_app.edit"]})
    user = User.objects.create_user(username=username, password="x", department=department, manager=manager)
    user.roles.add(role)
    return user


def test_own_scope_sees_only_own_records(book, rep):
    assert visible_names(rep) == {"sales1 的项目"}


def test_department_tree_scope_sees_sub_departments(book, manager):
    assert visible_names(manager) == {"manager 的项目", "sales1 的项目", "sales2 的项目"}


def test_department_scope_sees_own_department_only(book, org):
    colleague = make_user("sales1b", org["sales1"].department, "department")
    assert visible_names(colleague) == {"sales1 的项目"}


def test_subordinates_scope_follows_the_manager_chain(book, org):
    boss = make_user("boss", Department.objects.get(code="gm"), "subordinates")
    User.objects.filter(username="manager").update(manager=boss)
    # manager reports to boss; sales1 and sales2 report to manager.
    assert visible_names(boss) == {"manager 的项目", "sales1 的项目", "sales2 的项目"}


def test_all_scope_and_superuser_see_everything(book, admin_user, org):
    everyone = make_user("auditor", Department.objects.get(code="gm"), "all")
    assert visible_names(everyone) == set(Project.objects.values_list("name", flat=True))
    assert len(visible_names(admin_user)) == len(book)


def test_several_roles_are_a_union(book, rep):
    rep.roles.add(Role.objects.get(code="support"))  # department scope, but sales1's department
    fresh = User.objects.get(pk=rep.pk)
    peer = make_user("peer", rep.department, "own")
    colleague_project = create_project(peer, "同部门项目")
    assert colleague_project.name in visible_names(fresh)


def test_without_the_module_permission_nothing_is_visible(book, org):
    nobody = User.objects.create_user(username="no-roles", password="x", department=org["sales1"].department)
    assert visible_names(nobody) == set()


def test_inactive_users_see_nothing(book, rep):
    rep.is_active = False
    rep.save()
    assert visible_names(User.objects.get(pk=rep.pk)) == set()


def test_edit_needs_the_edit_permission(book, org):
    viewer = User.objects.create_user(username="viewer", password="x", department=org["sales1"].department)
    role = Role.objects.create(code="viewer", name="viewer", data_scope="all", permissions=["testing_app.view"])
    viewer.roles.add(role)
    assert Project.objects.visible_to(viewer, "view").count() == len(book)
    assert Project.objects.visible_to(viewer, "edit").count() == 0


def test_records_scoped_through_another_follow_its_owner_and_department(book, rep, other_rep, manager):
    for project in book.values():
        Milestone.objects.create(project=project, title=f"{project.name}: 验收")
    assert set(Milestone.objects.visible_to(rep).values_list("title", flat=True)) == {"sales1 的项目: 验收"}
    assert {m.project.owner for m in Milestone.objects.visible_to(manager)} == {manager, rep, other_rep}
    assert Milestone.objects.visible_to(User.objects.create_user(username="nobody", password="x")).count() == 0


def test_a_parent_in_the_recycle_bin_hides_dependents_with_owners_of_their_own(rep, manager):
    from django.utils import timezone

    from crm.testing_app.models import Account, Deal

    # The account is the manager's; the deals are the rep's own, so the rep's scope reaches them, not the account.
    account = Account.objects.create(name="客户甲", owner=manager, department=manager.department)
    on_account = Deal.objects.create(name="甲的商机", account=account, owner=rep, department=rep.department)
    loose = Deal.objects.create(name="无客户商机", owner=rep, department=rep.department)
    assert set(Deal.objects.visible_to(rep)) == {on_account, loose}
    Account.objects.filter(pk=account.pk).update(deleted_at=timezone.now())
    assert set(Deal.objects.visible_to(rep)) == {loose}
    assert set(Deal.objects.visible_to(manager)) == {loose}
    Account.all_objects.filter(pk=account.pk).update(deleted_at=None)  # restored from the bin: back again
    assert set(Deal.objects.visible_to(rep)) == {on_account, loose}
