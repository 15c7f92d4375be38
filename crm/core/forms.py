"""What every form of the CRM shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.concurrency import parse_version


class VersionField(forms.IntegerField):
    """The hidden version of the record an edit form was opened on (crm.core.concurrency); never a change."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, **kwargs)
        self.error_messages["invalid"] = _("The form is damaged; reload the page.")

    def to_python(self, value):
        try:
            return parse_version(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def changed_values(form: forms.BaseForm) -> dict[str, Any]:
    """The cleaned values of what the user changed: the data an update service gets.

    Disabled fields never count (their value is the initial one, whatever was posted). A form may report a
    value that is not one of its fields (a role's ``settings``, made of one field per setting) by listing it in
    ``changed_data`` and putting it in ``cleaned_data``.
    """
    return {
        name: form.cleaned_data[name]
        for name in form.changed_data
        if name in form.cleaned_data and not (name in form.fields and form.fields[name].disabled)
        and not isinstance(form.fields.get(name), VersionField)
    }
