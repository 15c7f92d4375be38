"""Row-level access: the one place that decides which business records a user may see or change."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

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


def team_in_scope(user: User) -> tuple[models.QuerySet, models.QuerySet] | None:
    """(active users, departments) whose records ``user``'s data scope reaches beyond their own — what a list's
    owner and department filters offer a manager — or None for a user who sees only their own (a rep: nothing
    to pick). Admins and the ALL scope get everyone."""
    from crm.accounts.models import Department
    from crm.accounts.models import User as UserModel

    if not user.is_authenticated:
        return None
    scopes = user.data_scopes()
    if not user.is_superuser and DataScope.ALL not in scopes and scopes <= {DataScope.OWN}:
        return None
    users = UserModel.objects.filter(is_active=True).select_related("department").order_by("department__name", "name")
    departments = Department.objects.order_by("name")
    if not (user.is_superuser or DataScope.ALL in scopes):
        people, units = Q(pk=user.pk), Q(pk__in=[])
        if DataScope.SUBORDINATES in scopes:
            people |= Q(pk__in=user.subordinate_ids())
        if DataScope.DEPARTMENT in scopes and user.department_id:
            people |= Q(department_id=user.department_id)
            units |= Q(pk=user.department_id)
        if DataScope.DEPARTMENT_TREE in scopes and user.department is not None:
            tree = user.department.descendant_ids(include_self=True)
            people |= Q(department_id__in=tree)
            units |= Q(pk__in=tree)
        users, departments = users.filter(people), departments.filter(units)
    return users, departments


class ScopedQuerySet(models.QuerySet[_Scoped]):
    """QuerySet of a ScopedModel. Views, the API, exports, reports and search all start from visible_to()."""

    def visible_to(self, user: User, action: str = "view") -> ScopedQuerySet[_Scoped]:
        """Records ``user`` may act on: nothing without the module permission, else what the data scope allows,
        widened by what the model grants beyond it, and never a record whose parent is in the recycle bin.

        The model (or, for a record scoped through another, that one — ``scope_through``) may widen the scope:
        ``extra_scope_ids(user)`` are ids the user reaches whatever the action (a customer's collaborators);
        ``widened_scope_ids(user, action)`` are ids an action opens to everyone holding it (the public pool for
        ``customers.pool``). Both are subqueries of the root model's ids.
        """
        module = self.model.module
        if module and not user.has_module_perm(module, action):
            return self.none()
        through = getattr(self.model, "scope_through", "")
        if through:
            # A record that belongs to another (a contact to its customer) is visible when that one is: "its
            # parent row, looked up by primary key, passes the parent's own visible_to". Written as EXISTS rather
            # than a join, so no plan has to start from the parent's scope (a join made SQLite scan every
            # customer for a rep's page of contacts: 5 s at a million).
            root = cast("type[ScopedModel]", self.model._meta.get_field(through).related_model)
            parents = root.objects.visible_to(user, action)
            if getattr(root, "soft_delete", False):
                parents = parents.filter(Q(deleted_at__isnull=True))  # a soft-delete model has the column
            return self.filter(hidden_with_deleted_parents(self.model, besides=through)).filter(
                Exists(parents.filter(pk=OuterRef(through))))
        queryset = self.filter(hidden_with_deleted_parents(self.model))
        q = scope_filter(user)
        if q is None:
            return queryset
        for extra in (_call(self.model, "extra_scope_ids", user), _call(self.model, "widened_scope_ids", user, action)):
            if extra is not None:
                q |= Q(pk__in=extra)
        return queryset.filter(q)


def _call(model, name: str, *args):
    method = getattr(model, name, None)
    return method(*args) if method is not None else None


def hidden_with_deleted_parents(model, besides: str = "") -> Q:
    """Rows whose parent record is in the recycle bin are hidden with it, whatever their own owner (a customer's
    contacts, and later its opportunities and tickets): one rule for every foreign key to a model with
    ``soft_delete = True`` (``besides`` one the caller checks itself). A null foreign key hides nothing."""
    condition = Q()
    for field in model._meta.concrete_fields:
        parent = field.related_model if field.many_to_one else None
        if parent is None or parent is model or not getattr(parent, "soft_delete", False) or field.name == besides:
            continue
        alive = Q(**{f"{field.name}__deleted_at__isnull": True})
        condition &= (alive | Q(**{f"{field.name}__isnull": True})) if field.null else alive
    return condition


def id_set(ids: Iterable[int], using: str = "default") -> RawSQL:
    """A list of ids as one query parameter, for ``filter(pk__in=id_set(ids, queryset.db))``: Django prepares each
    value of a plain list on its own (14 ms for the 2,000 ids of a list search, in every query that uses them);
    this is a JSON array (SQLite) or an array (PostgreSQL) the database unpacks."""
    ids = [int(pk) for pk in ids]
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))


# A queryset's hint (hints travel with its clones) that it holds at most this many rows: see among_ids.
_ROWS_AT_MOST = "crm_rows_at_most"


def among_ids(queryset: models.QuerySet, ids: Iterable[int]) -> models.QuerySet:
    """The queryset narrowed to these ids, knowing it holds at most as many rows: a list page of it then sorts
    them instead of walking the ordering's index in search of them (crm/core/pagination.py)."""
    ids = list(ids)
    narrowed = queryset.filter(pk__in=id_set(ids, queryset.db))
    narrowed._hints = {**narrowed._hints, _ROWS_AT_MOST: len(ids)}  # type: ignore[attr-defined]  # hints travel with clones
    return narrowed


def rows_at_most(queryset: models.QuerySet) -> int | None:
    """How many rows the queryset holds at most, if ``among_ids`` narrowed it."""
    return queryset._hints.get(_ROWS_AT_MOST)  # type: ignore[attr-defined]


_LOADED = "_many_values"
# What loaded_values answers for a field the page did not load.
NOT_LOADED = object()


def load_many_values(rows: Iterable[models.Model], fields: dict[str, str]) -> None:
    """For each many-to-many ``field`` of the rows, one query for the whole page: row gets the ``value`` (a column
    of the related model, e.g. "pk" or "name") of each related object, in the related model's order, read back
    with ``loaded_values``. The query starts from the link table's index on the rows' ids: a prefetch joins from
    the related table, and SQLite then probed every tag against every row (20 ms a page). An API serializer's
    field shows them when it is a primary-key list or says ``many_values = True``."""
    rows = list(rows)
    if not rows:
        return
    model = type(rows[0])
    ids = [row.pk for row in rows]
    for name, value in fields.items():
        field = model._meta.get_field(name)
        through = field.remote_field.through  # type: ignore[union-attr]
        source = field.m2m_field_name()  # type: ignore[union-attr]
        target = field.m2m_reverse_field_name()  # type: ignore[union-attr]
        related = field.related_model
        order = [f"-{target}__{key[1:]}" if key.startswith("-") else f"{target}__{key}"
                 for key in (related._meta.ordering or ["pk"]) if isinstance(key, str)]  # type: ignore[union-attr]
        found: dict[Any, list[Any]] = defaultdict(list)
        pairs = through.objects.filter(**{f"{source}__in": ids}).order_by(*order, "pk")
        value_path = f"{target}_id" if value == "pk" else f"{target}__{value}"
        for owner, item in pairs.values_list(f"{source}_id", value_path):
            found[owner].append(item)
        for row in rows:
            row.__dict__.setdefault(_LOADED, {})[name] = found.get(row.pk, [])


def loaded_values(row: models.Model, name: str) -> Any:
    """The values ``load_many_values`` loaded for the row's field ``name``, or ``NOT_LOADED``."""
    return row.__dict__.get(_LOADED, {}).get(name, NOT_LOADED)
