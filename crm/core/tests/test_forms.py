"""What every form is dressed with (crm.core.forms.dress_form), whatever module it belongs to."""

import datetime as dt

from django import forms

from crm.core.forms import SEARCHABLE_MIN_CHOICES, dress_form

LONG = [(str(i), f"选项{i}") for i in range(SEARCHABLE_MIN_CHOICES + 1)]
SHORT = LONG[:SEARCHABLE_MIN_CHOICES]


class SampleForm(forms.Form):
    name = forms.CharField()
    remark = forms.CharField(required=False)
    signed_on = forms.DateField(required=False)
    meet_at = forms.DateTimeField(required=False)
    city = forms.ChoiceField(choices=LONG, required=False)
    level = forms.ChoiceField(choices=SHORT, required=False)
    region = forms.ChoiceField(choices=LONG, required=False, widget=forms.Select(attrs={"data-searchable": "0"}))
    kinds = forms.MultipleChoiceField(choices=LONG, required=False)
    agreed = forms.BooleanField()


def rendered(form: forms.Form, name: str) -> str:
    return str(form[name])


def test_dates_and_times_are_the_browsers_pickers_with_iso_values():
    form = dress_form(SampleForm(initial={"signed_on": dt.date(2026, 3, 9), "meet_at": dt.datetime(2026, 3, 9, 14, 5)}))
    date, when = rendered(form, "signed_on"), rendered(form, "meet_at")
    assert 'type="date"' in date and 'value="2026-03-09"' in date
    assert 'type="datetime-local"' in when and 'value="2026-03-09T14:05"' in when


def test_the_pickers_values_are_read_back():
    picked = {"name": "x", "agreed": "on", "signed_on": "2026-03-09", "meet_at": "2026-03-09T14:05"}
    form = dress_form(SampleForm(picked))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["signed_on"] == dt.date(2026, 3, 9)
    assert form.cleaned_data["meet_at"].replace(tzinfo=None) == dt.datetime(2026, 3, 9, 14, 5)


def test_only_long_picklists_are_searchable_unless_the_form_says_otherwise():
    form = dress_form(SampleForm())
    assert "data-searchable" in rendered(form, "city") and "data-no-results" in rendered(form, "city")
    assert "data-searchable" in rendered(form, "kinds") and "data-remove-label" in rendered(form, "kinds")
    assert "data-searchable" not in rendered(form, "level")
    assert 'data-searchable="0"' in rendered(form, "region") and "data-no-results" not in rendered(form, "region")


def test_required_fields_say_so_to_screen_readers_too():
    form = dress_form(SampleForm())
    assert 'aria-required="true"' in rendered(form, "name") and "required" in rendered(form, "name")
    assert 'aria-required="true"' in rendered(form, "agreed")
    assert "aria-required" not in rendered(form, "remark")


def test_dressing_twice_changes_nothing_more():
    form = dress_form(SampleForm())
    once = {name: rendered(form, name) for name in form.fields}
    dress_form(form)
    assert {name: rendered(form, name) for name in form.fields} == once
