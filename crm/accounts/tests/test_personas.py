"""The persona matrix (crm/core/testing) on users, departments and roles: no data scope, only the system module's
rights (the administrator's), through the pages and the API."""

import itertools

from crm.accounts import services
from crm.accounts.models import Department, Role, User
from crm.core.testing import EVERYTHING, PersonaMatrixTestCase

ADMIN_ONLY = {"admin": EVERYTHING}
_numbers = itertools.count(1)


class SystemRecordTest(PersonaMatrixTestCase):
    """Records of the system module, made by the administrator whoever the matrix names as owner."""

    module = "system"
    expected = ADMIN_ONLY


class UserPersonaTest(SystemRecordTest):
    model = User
    list_url = "/system/users/"
    edit_url = "/system/users/{pk}/"
    api_list_url = "/api/v1/users/"
    api_detail_url = "/api/v1/users/{pk}/"
    api_delete = False  # users are deactivated, not deleted
    edit_form_changes = {"position": "区域经理"}

    @classmethod
    def make_record(cls, owner, label):
        return services.create_user(actor=cls.users["admin"], password="persona-Passw0rd", data={
            "username": f"persona{next(_numbers)}", "name": label, "department": owner.department})

    def api_edit_data(self, record):
        return {"position": "区域经理"}


class DepartmentPersonaTest(SystemRecordTest):
    model = Department
    list_url = "/system/departments/"
    edit_url = "/system/departments/{pk}/"
    delete_url = "/system/departments/{pk}/delete/"
    api_list_url = "/api/v1/departments/"
    api_detail_url = "/api/v1/departments/{pk}/"
    edit_form_changes = {"sort_order": "7"}

    @classmethod
    def make_record(cls, owner, label):
        return services.create_department(actor=cls.users["admin"], data={
            "code": f"persona{next(_numbers)}", "name": label})

    def api_edit_data(self, record):
        return {"sort_order": 7}


class RolePersonaTest(SystemRecordTest):
    model = Role
    list_url = "/system/roles/"
    edit_url = "/system/roles/{pk}/"
    delete_url = "/system/roles/{pk}/delete/"
    api_list_url = "/api/v1/roles/"
    api_detail_url = "/api/v1/roles/{pk}/"

    @classmethod
    def make_record(cls, owner, label):
        return services.create_role(actor=cls.users["admin"], data={
            "code": f"persona{next(_numbers)}", "name": label, "data_scope": "own", "permissions": []})

    def api_edit_data(self, record):
        return {"data_scope": "department"}
