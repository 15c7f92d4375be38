"""What every form of the CRM shares."""

from __future__ import annotations

from typing import Any

from django import forms


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
    }
