"""Per-role settings modules register (crm.accounts.role_settings): shown and validated on the role page and by
``validate_role_settings``, stored on the role, combined across a user's roles."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.accounts.models import Role, User
from crm.accounts.role_settings import role_settings, validate_role_settings
from crm.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
CLAIM_LIMIT = "customers.pool_claim_limit"  # registered by customers
MAX_BUDGET = "testing_app.max_budget"  # registered by the suite's own module


def role(code: str, **settings) -> Role:
    return Role.objects.create(code=code, name=code, permissions=[], settings=settings)


def holder(*roles: Role, superuser: bool = False) -> User:
    user = User.objects.create_user(username=f"holder{User.objects.count()}", password="x", is_superuser=superuser)
    user.roles.set(roles)
    return User.objects.get(pk=user.pk)


def form_data(role: Role, **extra) -> dict:
    return {"name": role.name, "code": role.code, "data_scope": role.data_scope, "permissions": role.permissions,
            **extra}


def test_every_registered_setting_is_listed_once():
    codes = [setting.code for setting in role_settings()]
    assert CLAIM_LIMIT in codes and MAX_BUDGET in codes and len(codes) == len(set(codes))


def test_a_user_gets_the_most_generous_value_of_their_roles(db):
    assert holder(role("a", **{CLAIM_LIMIT: 5}), role("b", **{CLAIM_LIMIT: 12})).role_setting(CLAIM_LIMIT) == 12


def test_a_role_without_a_limit_lifts_it(db):
    user = holder(role("a", **{CLAIM_LIMIT: 5}), role("b"))  # "b" never set it: the default, no limit
    assert user.role_setting(CLAIM_LIMIT) is None


def test_users_without_roles_get_the_default_and_superusers_their_own_value(db):
    assert holder().role_setting(CLAIM_LIMIT) is None
    assert holder(role("a", **{CLAIM_LIMIT: 0}), superuser=True).role_setting(CLAIM_LIMIT) is None


def test_the_role_page_shows_and_saves_every_registered_setting(client_for, admin_user):
    sales_rep = Role.objects.get(code="sales_rep")
    client = client_for(admin_user)
    page = client.get(reverse("accounts:role_edit", args=[sales_rep.pk])).content.decode()
    assert 'name="setting_customers__pool_claim_limit"' in page and 'name="setting_testing_app__max_budget"' in page
    response = client.post(reverse("accounts:role_edit", args=[sales_rep.pk]), form_data(
        sales_rep, setting_customers__pool_claim_limit="7", setting_testing_app__max_budget=""))
    assert response.status_code == 302
    sales_rep.refresh_from_db()
    assert sales_rep.settings == {CLAIM_LIMIT: 7, MAX_BUDGET: None}
    event = AuditEvent.objects.filter(action="update", object_id=str(sales_rep.pk)).latest("id")
    assert event.changes["settings"][1] == {CLAIM_LIMIT: 7, MAX_BUDGET: None}
    assert User.objects.get(username="sales1").role_setting(CLAIM_LIMIT) == 7


def test_an_unchanged_setting_is_no_change(client_for, admin_user):
    sales_rep = Role.objects.get(code="sales_rep")
    sales_rep.settings = {CLAIM_LIMIT: 20}
    sales_rep.save()
    client_for(admin_user).post(reverse("accounts:role_edit", args=[sales_rep.pk]),
                                form_data(sales_rep, setting_customers__pool_claim_limit="20"))
    assert not AuditEvent.objects.filter(action="update", object_id=str(sales_rep.pk)).exists()


def test_a_bad_value_is_a_field_error_and_changes_nothing(client_for, admin_user):
    sales_rep = Role.objects.get(code="sales_rep")
    response = client_for(admin_user).post(reverse("accounts:role_edit", args=[sales_rep.pk]),
                                           form_data(sales_rep, setting_customers__pool_claim_limit="-1"))
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    sales_rep.refresh_from_db()
    assert CLAIM_LIMIT not in sales_rep.settings


def test_validate_role_settings_checks_any_door_with_the_same_fields():
    assert validate_role_settings({CLAIM_LIMIT: "3"}, current={MAX_BUDGET: 100}) == {CLAIM_LIMIT: 3, MAX_BUDGET: 100}
    with pytest.raises(ValidationError) as refused:
        validate_role_settings({CLAIM_LIMIT: -2, "sales.no_such_thing": 1})
    assert set(refused.value.message_dict) == {CLAIM_LIMIT, "sales.no_such_thing"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_claim_limits_into_the_settings_and_back():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("accounts", "0001_initial")], [("accounts", "0002_role_settings")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_role = executor.loader.project_state(before).apps.get_model("accounts", "Role")
        old_role.objects.create(code="capped", name="capped", pool_claim_limit=20)
        old_role.objects.create(code="free", name="free")

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_role = executor.loader.project_state(after).apps.get_model("accounts", "Role")
        assert {r.code: r.settings for r in new_role.objects.all()} == {"capped": {CLAIM_LIMIT: 20}, "free": {}}

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old_role = executor.loader.project_state(before).apps.get_model("accounts", "Role")
        assert {r.code: r.pool_claim_limit for r in old_role.objects.all()} == {"capped": 20, "free": None}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
