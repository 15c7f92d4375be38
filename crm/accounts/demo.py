"""The demo organisation (总经办, 销售部 › 销售一部/销售二部, 市场部, 客服部) and its people.

Idempotent: loading twice keeps what is there. Tests use the same people as personas.
"""

from __future__ import annotations

from django.db import transaction

from crm.accounts.models import Department, Role, User
from crm.core.permissions import modules
from crm.core.querysets import DataScope

BUSINESS_ACTIONS = ("view", "create", "edit", "delete", "import", "export", "assign", "pool")


# Customer care sends mail to customers in the company's name: only managers and admins run it.
STAFF_EXCLUDED = ("system", "care")


def _all_business(actions=BUSINESS_ACTIONS, exclude=("system",)) -> list[str]:
    return [f"{m.code}.{a}" for m in modules() if m.code not in exclude for a in m.actions if a in actions]


ROLES = {
    # code: (name, data scope, permissions, denied read fields)
    "admin": ("系统管理员", DataScope.ALL, lambda: [f"{m.code}.{a}" for m in modules() for a in m.actions], []),
    "sales_manager": ("销售经理", DataScope.DEPARTMENT_TREE,
                      lambda: _all_business(BUSINESS_ACTIONS + ("approve", "unmask")), []),
    "sales_rep": ("销售代表", DataScope.OWN,
                  lambda: _all_business(("view", "create", "edit", "import", "export", "unmask", "pool"),
                                        STAFF_EXCLUDED), []),
    "marketing": ("市场专员", DataScope.DEPARTMENT,
                  lambda: _all_business(("view", "create", "edit", "export"), STAFF_EXCLUDED),
                  ["customers.customer.phone", "customers.customer.email"]),
    "support": ("客服专员", DataScope.DEPARTMENT,
                lambda: _all_business(("view", "create", "edit"), STAFF_EXCLUDED), []),
}

DEPARTMENTS = [  # (code, name, parent code)
    ("gm", "总经办", None),
    ("sales", "销售部", None),
    ("sales1", "销售一部", "sales"),
    ("sales2", "销售二部", "sales"),
    ("marketing", "市场部", None),
    ("support", "客服部", None),
]

USERS = [  # (username, name, employee no, department, role, manager, position, superuser)
    ("admin", "系统管理员", "E0001", "gm", "admin", None, "系统管理员", True),
    ("manager", "王经理", "E0101", "sales", "sales_manager", None, "销售经理", False),
    ("sales1", "张伟", "E0111", "sales1", "sales_rep", "manager", "销售代表", False),
    ("sales2", "李娜", "E0121", "sales2", "sales_rep", "manager", "销售代表", False),
    ("marketing1", "刘洋", "E0201", "marketing", "marketing", None, "市场专员", False),
    ("support1", "陈静", "E0301", "support", "support", None, "客服专员", False),
]


@transaction.atomic
def load_organisation(password: str) -> dict[str, User]:
    departments: dict[str, Department] = {}
    for code, name, parent in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "parent": departments.get(parent) if parent else None,
                                 "sort_order": len(departments)}
        )
    roles: dict[str, Role] = {}
    for code, (name, scope, permissions, denied) in ROLES.items():
        roles[code], created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "data_scope": scope, "permissions": permissions(),
                                 "denied_read_fields": denied}
        )
    users: dict[str, User] = {}
    for username, name, number, dept, role, manager, position, superuser in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=name, employee_no=number, department=departments[dept],
                        manager=users.get(manager) if manager else None, position=position,
                        email=f"{username}@demo.crm.local", phone=f"1380000{number[1:]}",
                        is_superuser=superuser, is_staff=superuser)
            user.set_password(password)
            user.save()
            user.roles.add(roles[role])
        users[username] = user
    Department.objects.filter(code="sales", head__isnull=True).update(head=users["manager"])
    return users
