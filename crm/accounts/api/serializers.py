"""Input validation and the JSON shape of users, departments, roles and one's own profile.

The rules are the pages' (crm/accounts/forms.py): the same choices, required fields and password validators;
the rules that need other records (manager cycles, a department under its own child, deleting what is in use)
live in crm/accounts/services.py and come back as field errors.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from crm.accounts.models import DATA_SCOPE_CHOICES, Department, Role, User
from crm.accounts.role_settings import role_setting_value, role_settings, validate_role_settings
from crm.core.permissions import field_choices, permission_choices


def check_password_rules(password: str, user: User | None = None) -> str:
    """The configured password validators (AUTH_PASSWORD_VALIDATORS), as the pages apply them."""
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise serializers.ValidationError(list(error.messages)) from error
    return password


def password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(write_only=True, trim_whitespace=False, max_length=4096,
                                 style={"input_type": "password"}, **kwargs)


# --- Users ------------------------------------------------------------------------------------------------

class UserSerializer(serializers.ModelSerializer):
    """A user as the admin pages show and edit them. The password hash is never part of it."""

    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.filter(is_active=True),
                                                    allow_null=True, required=False)
    department_name = serializers.StringRelatedField(source="department", read_only=True)
    manager = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), allow_null=True,
                                                 required=False)
    manager_name = serializers.StringRelatedField(source="manager", read_only=True)
    roles = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all(), many=True, required=False)
    role_names = serializers.StringRelatedField(source="roles", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "employee_no", "name", "phone", "email", "department", "department_name",
                  "manager", "manager_name", "position", "roles", "role_names", "language", "is_active",
                  "is_superuser", "date_joined", "last_login", "updated_at"]
        read_only_fields = ["is_superuser", "date_joined", "last_login", "updated_at"]
        # The user page requires a name although the model allows an empty one.
        extra_kwargs = {"name": {"required": True, "allow_blank": False}}

    def validate_employee_no(self, value):
        # Stored as NULL when empty, as the form does, so that many users may have none (the column is unique).
        return value or None


class UserCreateSerializer(UserSerializer):
    password = password_field(help_text=gettext_lazy("Checked against the password rules, as on the page."))

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]

    def validate_password(self, value):
        return check_password_rules(value)


class PasswordResetSerializer(serializers.Serializer):
    """An administrator sets another user's password (the page at /system/users/<pk>/password/)."""

    password = password_field()

    def validate_password(self, value):
        return check_password_rules(value)


# --- Departments ------------------------------------------------------------------------------------------

class DepartmentTree:
    """Parent, depth, path and children of every department, read in one query (departments are few)."""

    def __init__(self):
        rows = list(Department.objects.order_by().values_list("pk", "parent_id", "name"))
        self.parent = {pk: parent_id for pk, parent_id, _name in rows}
        self.name = {pk: name for pk, _parent, name in rows}
        self.children: dict[int, list[int]] = {}
        for pk, parent_id, _name in sorted(rows):
            if parent_id is not None:
                self.children.setdefault(parent_id, []).append(pk)

    def ancestors(self, pk: int) -> list[int]:
        chain, node = [], self.parent.get(pk)
        while node is not None and node not in chain and len(chain) < 50:
            chain.append(node)
            node = self.parent.get(node)
        return list(reversed(chain))

    def path(self, pk: int) -> str:
        return " › ".join(self.name.get(node, "") for node in [*self.ancestors(pk), pk])


class DepartmentSerializer(serializers.ModelSerializer):
    """A node of the organisation tree; ``depth`` 0 is a top-level department."""

    parent = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), allow_null=True,
                                                required=False)
    head = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), allow_null=True,
                                              required=False)
    head_name = serializers.StringRelatedField(source="head", read_only=True)
    path = serializers.SerializerMethodField()
    depth = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    member_count = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "name", "code", "parent", "path", "depth", "children", "head", "head_name", "sort_order",
                  "is_active", "member_count", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # The (parent, name) rule is checked in validate() with a message on the name.
        validators: list = []

    @property
    def tree(self) -> DepartmentTree:
        if "department_tree" not in self.context:
            self.context["department_tree"] = DepartmentTree()
        return self.context["department_tree"]

    def get_path(self, department) -> str:
        return self.tree.path(department.pk)

    def get_depth(self, department) -> int:
        return len(self.tree.ancestors(department.pk))

    def get_children(self, department) -> list[int]:
        return self.tree.children.get(department.pk, [])

    def get_member_count(self, department) -> int:
        count = getattr(department, "member_count", None)
        return department.members.count() if count is None else count

    def validate_code(self, value):
        return value or None  # unique but optional: stored as NULL when empty, as the form does

    def validate(self, attrs):
        name = attrs.get("name", getattr(self.instance, "name", None))
        parent = attrs["parent"] if "parent" in attrs else getattr(self.instance, "parent", None)
        siblings = Department.objects.filter(parent=parent, name=name)
        if self.instance is not None:
            siblings = siblings.exclude(pk=self.instance.pk)
        if name and siblings.exists():
            raise serializers.ValidationError(
                {"name": [_("A department of this name already exists at this place in the tree.")]})
        return attrs


# --- Roles ------------------------------------------------------------------------------------------------

class RoleSerializer(serializers.ModelSerializer):
    """A role: functional permissions ("module.action"), a data scope and field rules ("app.model.field").

    Codes are checked against the registry modules fill (crm.core.permissions), as the role page does.
    """

    data_scope = serializers.ChoiceField(choices=DATA_SCOPE_CHOICES, required=False)
    data_scope_label = serializers.CharField(source="get_data_scope_display", read_only=True)
    permissions = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                        max_length=1000)
    denied_read_fields = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                               max_length=1000)
    denied_edit_fields = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                               max_length=1000)
    users = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    user_count = serializers.SerializerMethodField()
    # Per-role settings modules register (customers' pool claim limit, later the sales discount limit):
    # {code: value}, every registered code answered (its default when the role never set it). A write names
    # only the codes it changes; each is checked by the setting's own form field, as on the role page.
    settings = serializers.DictField(required=False)

    class Meta:
        model = Role
        fields = ["id", "name", "code", "description", "data_scope", "data_scope_label", "permissions",
                  "denied_read_fields", "denied_edit_fields", "settings", "users", "user_count", "created_at",
                  "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["settings"] = {setting.code: role_setting_value(instance.settings or {}, setting.code)
                            for setting in role_settings()}
        return data

    def validate_settings(self, value):
        try:
            return validate_role_settings(value, getattr(self.instance, "settings", None) or {})
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error

    def get_user_count(self, role) -> int:
        count = getattr(role, "user_count", None)
        return role.users.count() if count is None else count

    @staticmethod
    def _known(values: list[str], choices: list[tuple[str, str]], message: str) -> list[str]:
        known = {code for code, _label in choices}
        unknown = [value for value in values if value not in known]
        if unknown:
            raise serializers.ValidationError(message % {"codes": ", ".join(sorted(set(unknown)))})
        return list(dict.fromkeys(values))  # repeated codes count once

    def validate_permissions(self, value):
        return self._known(value, permission_choices(), _("Unknown permissions: %(codes)s."))

    def validate_denied_read_fields(self, value):
        return self._known(value, field_choices(), _("Not a field a role can be denied: %(codes)s."))

    def validate_denied_edit_fields(self, value):
        return self._known(value, field_choices(), _("Not a field a role can be denied: %(codes)s."))


class CatalogueItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class CatalogueModuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    permissions = CatalogueItemSerializer(many=True)
    protected_fields = CatalogueItemSerializer(many=True)


class RoleCatalogueSerializer(serializers.Serializer):
    """What a role can be given: the permission codes and deniable fields of every module, the data scopes."""

    modules = CatalogueModuleSerializer(many=True)
    data_scopes = CatalogueItemSerializer(many=True)


# --- One's own profile, password and API token ------------------------------------------------------------

class ProfileSerializer(serializers.ModelSerializer):
    """The caller's own record. Only what the profile page edits is writable: name, phone, e-mail, language."""

    department_path = serializers.SerializerMethodField()
    manager_name = serializers.StringRelatedField(source="manager", read_only=True)
    role_names = serializers.StringRelatedField(source="roles", many=True, read_only=True)
    permissions = serializers.SerializerMethodField()
    data_scope = serializers.CharField(source="effective_data_scope", read_only=True)

    WRITABLE = ("name", "phone", "email", "language")

    class Meta:
        model = User
        fields = ["id", "username", "name", "phone", "email", "language", "employee_no", "department",
                  "department_path", "manager", "manager_name", "position", "roles", "role_names", "permissions",
                  "data_scope", "is_superuser", "date_joined", "last_login"]
        read_only_fields = ["username", "employee_no", "department", "manager", "position", "roles",
                            "is_superuser", "date_joined", "last_login"]

    def get_department_path(self, user) -> str | None:
        return user.department.path if user.department_id else None

    def get_permissions(self, user) -> list[str]:
        """The "module.action" codes the caller holds (a superuser holds every one)."""
        if user.is_superuser:
            return [code for code, _label in permission_choices()]
        return sorted(user.module_permissions)

    def to_internal_value(self, data):
        # A field the profile page does not offer is refused by name rather than silently ignored.
        if hasattr(data, "keys"):
            denied = sorted(key for key in data if key in self.fields and key not in self.WRITABLE)
            if denied:
                raise serializers.ValidationError({key: [_("You may not change this field.")] for key in denied})
        return super().to_internal_value(data)


class PasswordChangeSerializer(serializers.Serializer):
    """The caller's own password: the current one, then a new one that passes the password rules."""

    old_password = password_field()
    new_password = password_field()

    def validate_old_password(self, value):
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(
                _("Your old password was entered incorrectly. Please enter it again."))
        return value

    def validate_new_password(self, value):
        return check_password_rules(value, self.context["request"].user)


class TokenStateSerializer(serializers.Serializer):
    """Whether the caller has an API token; the key is shown only when it is made."""

    exists = serializers.BooleanField()
    created = serializers.DateTimeField(allow_null=True)
    key_hint = serializers.CharField(allow_null=True, help_text=gettext_lazy("The key's first four characters."))
    last_used = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("When the token last authenticated a request (to within five "
                                                "minutes); null if never."))


class TokenRegenerateSerializer(serializers.Serializer):
    password = password_field(help_text=gettext_lazy("Your current password."))

    def validate_password(self, value):
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(_("Wrong password."))
        return value


class NewTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    created = serializers.DateTimeField()
