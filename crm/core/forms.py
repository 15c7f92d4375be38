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


# A picklist longer than this gets a search box (Tom Select, turned on by forms.js): owners, industries, cities.
SEARCHABLE_MIN_CHOICES = 10
# What the browser's own pickers read and write, whatever the user's language (RFC 3339 / HTML).
DATE_INPUT_FORMAT = "%Y-%m-%d"
DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _choice_count(field: forms.Field) -> int:
    """How many options a choice field offers; a model choice field counts its queryset (one COUNT query)."""
    if isinstance(field, forms.ModelChoiceField):
        return field.queryset.count() if field.queryset is not None else 0
    return sum(1 for _choice in getattr(field, "choices", ()))  # some choices are lazy iterators, not lists


def dress_form(form: forms.BaseForm) -> forms.BaseForm:
    """What every form of the CRM does for the person filling it in, whatever module it belongs to: dates and
    times as the browser's pickers, long picklists searchable, required fields said to be required (to screen
    readers too). The base form views call it as they show a form (``crm.core.views.ServiceFormMixin``); a form
    shown elsewhere can call it itself. A widget that already says ``data-searchable`` keeps its choice ("0": never)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(field, forms.SplitDateTimeField) or widget.is_hidden:
            continue
        if isinstance(field, forms.DateTimeField) and isinstance(widget, forms.DateTimeInput):
            widget.input_type = "datetime-local"
            widget.format = DATETIME_INPUT_FORMAT
        elif isinstance(field, forms.DateField) and isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = DATE_INPUT_FORMAT
        if field.required and not isinstance(widget, forms.RadioSelect):  # a group of boxes has no one control
            widget.attrs["aria-required"] = "true"
        if isinstance(widget, forms.Select):
            if "data-searchable" not in widget.attrs and _choice_count(field) > SEARCHABLE_MIN_CHOICES:
                widget.attrs["data-searchable"] = "1"
            if widget.attrs.get("data-searchable", "0") != "0":
                # Tom Select's own words, in the user's language (forms.js reads them from here).
                widget.attrs.setdefault("data-no-results", _("Nothing matches."))
                if isinstance(widget, forms.SelectMultiple):
                    widget.attrs.setdefault("data-remove-label", _("Remove"))
    return form


# --- Inline validation ------------------------------------------------------------------------------------------

VALIDATE_PARAMETER = "validate"


def is_validation_request(request) -> bool:
    """A POST that asks only "is this valid?" (forms.js, when a field loses focus): ``?validate=1``. The view
    runs the form's own validation and answers its errors; it saves nothing."""
    return request.method == "POST" and request.GET.get(VALIDATE_PARAMETER) == "1"


def validation_errors(form: forms.BaseForm) -> dict[str, Any]:
    """A validated form's errors as forms.js shows them: by field name (the ``name`` the browser posts), and
    the errors of no one field."""
    fields = {form[name].html_name: [str(message) for message in errors]
              for name, errors in form.errors.items() if name in form.fields}
    return {"valid": not form.errors, "fields": fields,
            "form": [str(message) for message in form.non_field_errors()]}
