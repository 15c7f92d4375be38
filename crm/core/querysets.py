"""Row-level access: the one place that decides which business records a user may see or change."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from crm.accounts.models import User
    from crm.core.models import ScopedModel

_Scoped = TypeVar("_Scoped", bound="ScopedModel")


class DataScope(models.TextChoices):
    OWN = "own", "own"
    SUBORDINATES = "subordinates", "own and subordinates"
    DEPARTMENT = "department", "own department"
    DEPARTMENT_TREE = "department_tree", "department and sub-departments"
    ALL = "all", "all"


def scope_filter(user: User, owner_field: str = "owner", department_field: str = "department") -> Q | None:
    """The Q a user's roles allow over records with the given owner and department fields.

    Returns None for "everything" (admins, or a role with the ALL scope). Several roles are a union.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    scopes = user.data_scopes()
    if user.is_superuser or DataScope.ALL in scopes:
        return None
    q = Q(**{f"{owner_field}_id": user.pk})
    if DataScope.SUBORDINATES in scopes:
        q |= Q(**{f"{owner_field}_id__in": user.subordinate_ids()})
    if DataScope.DEPARTMENT in scopes and user.department_id:
        q |= Q(**{f"{department_field}_id": user.department_id})
    if DataScope.DEPARTMENT_TREE in scopes and user.department is not None:
        q |= Q(**{f"{department_field}_id__in": user.department.descendant_ids(include_self=True)})
    return q


class ScopedQuerySet(models.QuerySet[_Scoped]):
    """QuerySet of a ScopedModel. Views, the API, exports, reports and search all start from visible_to()."""

    def visible_to(self, user: User, action: str = "view") -> ScopedQuerySet[_Scoped]:
        """Records ``user`` may act on: nothing without the module permission, else what the data scope allows."""
        module = self.model.module
        if module and not user.has_module_perm(module, action):
            return self.none()
        # A record that belongs to another (a contact to its customer) is scoped through that one's owner.
        through = getattr(self.model, "scope_through", "")
        prefix = f"{through}__" if through else ""
        root = self.model._meta.get_field(through).related_model if through else self.model
        queryset = self
        if through and getattr(root, "soft_delete", False):
            queryset = queryset.filter(**{f"{through}__deleted_at__isnull": True})  # gone with their customer
        q = scope_filter(user, owner_field=f"{prefix}owner", department_field=f"{prefix}department")
        # Rights beyond the scope (a customer's collaborators) come from the root model, as a set of its ids.
        extra = getattr(root, "extra_scope_ids", None)
        if q is not None and extra is not None:
            q |= Q(**{f"{prefix}pk__in": extra(user)})
        return queryset if q is None else queryset.filter(q)
