from django import forms
from django.contrib.auth import password_validation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Department, Role, User
from crm.accounts.role_settings import role_setting_value, role_settings
from crm.core.permissions import field_choices, permission_choices


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "employee_no", "name", "phone", "email", "department", "manager", "position",
                  "roles", "language", "is_active"]
        widgets = {"roles": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["manager"].queryset = User.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)


class PasswordPairMixin:
    """Two password fields that must match and pass the password validators."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserCreateForm(PasswordPairMixin, UserForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)


class SetPasswordForm(PasswordPairMixin, forms.Form):
    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput, strip=False)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "phone", "email", "language"]


class ApiTokenForm(forms.Form):
    """A new API token for oneself: the current password first, as the API's ``POST /api/v1/me/token/``."""

    password = forms.CharField(label=_("Your current password"), widget=forms.PasswordInput, strip=False,
                               max_length=4096)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Wrong password."))
        return password


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "code", "parent", "head", "sort_order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = User.objects.filter(is_active=True)
        if self.instance.pk:
            excluded = self.instance.descendant_ids(include_self=True)
            self.fields["parent"].queryset = Department.objects.exclude(pk__in=excluded)


class RoleForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(label=_("Permissions"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    denied_read_fields = forms.MultipleChoiceField(label=_("Fields hidden"), required=False,
                                                   widget=forms.CheckboxSelectMultiple)
    denied_edit_fields = forms.MultipleChoiceField(label=_("Fields read-only"), required=False,
                                                   widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Role
        fields = ["name", "code", "description", "data_scope", "permissions", "denied_read_fields",
                  "denied_edit_fields"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form so modules registered by any app appear, in the active language.
        self.fields["permissions"].choices = permission_choices()
        fields = field_choices()
        self.fields["denied_read_fields"].choices = fields
        self.fields["denied_edit_fields"].choices = fields
        # One field per setting the modules registered; together they are the role's ``settings``.
        self.setting_fields: dict[str, str] = {}
        stored = self.instance.settings or {}
        for setting in role_settings():
            name = "setting_" + setting.code.replace(".", "__")
            self.setting_fields[name] = setting.code
            self.fields[name] = setting.form_field()
            self.initial.setdefault(name, role_setting_value(stored, setting.code))

    @cached_property
    def changed_data(self) -> list[str]:
        """The settings' fields are changes of one value, ``settings``."""
        fields = super().changed_data
        changed = [name for name in fields if name not in self.setting_fields]
        if any(name in self.setting_fields for name in fields):
            changed.append("settings")
        return changed

    def clean(self):
        cleaned = super().clean()
        settings = dict(self.instance.settings or {})
        for name, code in self.setting_fields.items():
            if name in cleaned:
                settings[code] = cleaned.pop(name)
        cleaned["settings"] = settings
        return cleaned

    def setting_rows(self):
        """The bound fields of the registered settings, for the template."""
        return [self[name] for name in self.setting_fields]
