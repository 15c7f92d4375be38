"""People and structure: departments (a tree), roles (functional permissions + data scope) and users."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.core.models import TimeStampedModel
from crm.core.querysets import DataScope

DATA_SCOPE_LABELS = {
    DataScope.OWN: _("Own records"),
    DataScope.SUBORDINATES: _("Own and subordinates' records"),
    DataScope.DEPARTMENT: _("Own department"),
    DataScope.DEPARTMENT_TREE: _("Department and sub-departments"),
    DataScope.ALL: _("All records"),
}
DATA_SCOPE_CHOICES = [(scope.value, label) for scope, label in DATA_SCOPE_LABELS.items()]
# Widest first: used to show a user's effective scope.
DATA_SCOPE_ORDER = [DataScope.ALL, DataScope.DEPARTMENT_TREE, DataScope.DEPARTMENT,
                    DataScope.SUBORDINATES, DataScope.OWN]


class Department(TimeStampedModel):
    """A node of the organisation tree (总经办, 销售部 › 销售一部 …)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=50, unique=True, null=True, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    head = models.ForeignKey(
        "accounts.User", verbose_name=_("head"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="headed_departments",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self, include_self: bool = False) -> list[int]:
        """Ids of every department below this one; departments are few, so one query and a walk in memory."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, stack = [], list(children.get(self.pk, []))
        while stack:
            pk = stack.pop()
            found.append(pk)
            stack.extend(children.get(pk, []))
        return [self.pk, *found] if include_self else found

    def ancestors(self) -> list[Department]:
        chain, node = [], self.parent
        while node is not None and len(chain) < 50:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path(self) -> str:
        return " › ".join([*(d.name for d in self.ancestors()), self.name])


class Role(TimeStampedModel):
    """What its holders may do (``permissions``: "module.action" codes) and which records (``data_scope``).

    Field-level rules name fields as "app_label.model.field". ``settings`` holds the values of the per-role
    settings modules register; read a user's with ``user.role_setting(code)``.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    data_scope = models.CharField(_("data scope"), max_length=20, choices=DATA_SCOPE_CHOICES,
                                  default=DataScope.OWN)
    denied_read_fields = models.JSONField(_("fields hidden"), default=list, blank=True)
    denied_edit_fields = models.JSONField(_("fields read-only"), default=list, blank=True)
    # {code: value} of the settings modules registered (crm.accounts.role_settings), e.g. a claim limit.
    settings = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An employee who signs in. ``name`` is the full Chinese name; first/last name are not used."""

    class Language(models.TextChoices):
        AUTO = "", _("Browser default")
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    employee_no = models.CharField(_("employee number"), max_length=30, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="reports",
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, choices=Language.choices,
                                blank=True, default="")
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    # Permissions are read once per request-bound user instance; roles rarely change mid-request.
    @cached_property
    def _role_rows(self) -> list[dict]:
        return list(self.roles.values("permissions", "data_scope", "denied_read_fields",
                                      "denied_edit_fields", "settings"))

    @cached_property
    def module_permissions(self) -> frozenset[str]:
        return frozenset(code for row in self._role_rows for code in row["permissions"])

    def has_module_perm(self, module: str, action: str) -> bool:  # type: ignore[override]
        if not self.is_active:
            return False
        return self.is_superuser or f"{module}.{action}" in self.module_permissions

    def data_scopes(self) -> set[str]:
        return {row["data_scope"] for row in self._role_rows}

    @property
    def effective_data_scope(self) -> str:
        if self.is_superuser:
            return DataScope.ALL
        scopes = self.data_scopes()
        return next((s for s in DATA_SCOPE_ORDER if s in scopes), DataScope.OWN)

    def _field_rule(self, key: str) -> frozenset[str]:
        """A field is denied only if every role of the user denies it (roles are a union of rights)."""
        if self.is_superuser or not self._role_rows:
            return frozenset()
        denied = set(self._role_rows[0][key])
        for row in self._role_rows[1:]:
            denied &= set(row[key])
        return frozenset(denied)

    def denied_read_fields(self, model_label: str) -> set[str]:
        prefix = model_label.lower() + "."
        return {f[len(prefix):] for f in self._field_rule("denied_read_fields") if f.lower().startswith(prefix)}

    def denied_edit_fields(self, model_label: str) -> set[str]:
        """Fields the user may not change: those denied for editing plus those denied for reading."""
        prefix = model_label.lower() + "."
        fields = self._field_rule("denied_edit_fields") | self._field_rule("denied_read_fields")
        return {f[len(prefix):] for f in fields if f.lower().startswith(prefix)}

    def role_setting(self, code: str) -> Any:
        """This user's value of a registered per-role setting: their roles' values, combined by the setting."""
        from crm.accounts.role_settings import combined_value

        return combined_value(code, (row["settings"] for row in self._role_rows), is_superuser=self.is_superuser)

    def subordinate_ids(self) -> list[int]:
        """Everyone who reports to this user, directly or through other managers."""
        reports: dict[int, list[int]] = {}
        for pk, manager_id in User.objects.filter(manager__isnull=False).values_list("pk", "manager_id"):
            reports.setdefault(manager_id, []).append(pk)
        found, stack, seen = [], list(reports.get(self.pk, [])), {self.pk}
        while stack:
            pk = stack.pop()
            if pk in seen:
                continue
            seen.add(pk)
            found.append(pk)
            stack.extend(reports.get(pk, []))
        return found


class ApiTokenUse(models.Model):
    """When a user's API token last authenticated a request (the profile shows it beside the token's age).

    One row per token, deleted with it. Written by ``TrackedTokenAuthentication`` at most once per few minutes
    per token, so reading it costs nothing and keeping it costs no write per request.
    """

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="use",
                                 verbose_name=_("API token"))
    last_used_at = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return f"{self.token_id[:4]}… {self.last_used_at:%Y-%m-%d %H:%M}"
