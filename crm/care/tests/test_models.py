"""Plan templates are checked when the plan is saved: bad ones are refused with a message that says why."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.care.models import CarePlan, Occasion
from crm.care.services import create_care_plan, preview_care_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def plan_errors(admin_user, **fields) -> dict[str, list[str]]:
    data = {"name": "生日", "occasion": Occasion.BIRTHDAY, "subject_template": "生日快乐",
            "body_template": "{{ contact.name }}", **fields}
    with pytest.raises(ValidationError) as error:
        create_care_plan(actor=admin_user, data=data)
    assert not CarePlan.objects.exists()
    return error.value.message_dict


@pytest.mark.parametrize(("body", "message"), [
    ("{% if contact.name %}你好", "The template has a syntax error: Unclosed tag"),
    ("{{ contact.name|nosuchfilter }}", "The template has a syntax error: Invalid filter: 'nosuchfilter'"),
    ("{% load i18n %}", "The tag {% load %} cannot be used in a greeting."),
    ("{% include 'base.html' %}", "The tag {% include %} cannot be used in a greeting."),
    ("{% debug %}", "The tag {% debug %} cannot be used in a greeting."),
    ("{% url 'home' %}", "The tag {% url %} cannot be used in a greeting."),
    # Loops and padding could make the sender spin or allocate without bound.
    ("{% for c in contact.name %}{% for d in contact.name %}{{ d }}{% endfor %}{% endfor %}",
     "The tag {% for %} cannot be used in a greeting."),
    ('{{ contact.name|center:"999999999" }}', "The template has a syntax error: Invalid filter: 'center'"),
    ("{% lorem 99999999 w %}", "The tag {% lorem %} cannot be used in a greeting."),
    ("{{ contact.mobile }}", "Unknown merge field: {{ contact.mobile }}."),
    ("{{ contact.name.delete }}{{ user }}", "Unknown merge field: {{ contact.name.delete }}, {{ user }}."),
])
def test_a_bad_body_template_is_refused_with_a_clear_message(admin_user, body, message):
    errors = plan_errors(admin_user, body_template=body)
    assert list(errors) == ["body_template"]
    assert errors["body_template"][0].startswith(message)


def test_the_subject_is_checked_too_and_the_message_lists_the_merge_fields(admin_user):
    errors = plan_errors(admin_user, subject_template="{{ contact.nmae }}生日快乐")
    assert errors["subject_template"] == [
        "Unknown merge field: {{ contact.nmae }}. Use {{ contact.name }}, {{ contact.title }}, {{ customer.name }}, "
        "{{ company }}, {{ holiday }}, {{ years }}, {{ today }}."]


def test_unknown_levels_and_stages_are_refused(admin_user):
    errors = plan_errors(admin_user, levels=["Z"], lifecycle_stages=["gone"])
    assert set(errors) == {"levels", "lifecycle_stages"}


def test_conditions_filters_and_with_over_merge_fields_are_fine(admin_user):
    plan = create_care_plan(actor=admin_user, data={
        "name": "周年", "occasion": Occasion.ANNIVERSARY, "subject_template": "{{ customer.name|upper }}",
        "body_template": "{% if years > 1 %}{{ years }}年{% else %}一年{% endif %}，{{ today|date:'Y年n月j日' }}，"
                         "{% with name=contact.name %}{{ name|default:'您' }}{% endwith %}"
                         "{% verbatim %}{{{% endverbatim %}"})
    greeting = preview_care_plan(plan, today=dt.date(2027, 3, 15))
    assert greeting.subject == "SAMPLE CUSTOMER LTD."
    assert greeting.text == "3年，2027年3月15日，Zhang San{{"


def doubling_template(levels: int) -> str:
    """Each {% with %} doubles the string before it with add: 2^levels times the name."""
    opening = "{% with v0=contact.name %}" + "".join(
        f"{{% with v{i}=v{i - 1}|add:v{i - 1} %}}" for i in range(1, levels + 1))
    return opening + f"{{{{ v{levels} }}}}" + "{% endwith %}" * (levels + 1)


def test_a_template_that_doubles_a_string_per_level_is_refused_quickly(admin_user):
    import time

    body = doubling_template(25)  # rendered 33,554,432 characters before rendering was bounded
    assert len(body) < 1000
    started = time.monotonic()
    errors = plan_errors(admin_user, body_template=body)
    assert time.monotonic() - started < 2
    assert errors["body_template"] == [
        "The greeting would be too long: A value built with add is longer than 2000 characters."]


def test_a_greeting_longer_than_the_bound_is_refused(admin_user):
    body = "{% with v=contact.name|add:contact.name %}" + "{{ v }}" * 1400 + "{% endwith %}"
    errors = plan_errors(admin_user, body_template=body)
    assert errors["body_template"][0].startswith("The greeting would be")
    assert "at most 20000 are allowed" in errors["body_template"][0]


def test_tags_nested_too_deep_are_refused_not_a_500(admin_user):
    body = "{% if contact.name %}" * 600 + "x" + "{% endif %}" * 600
    errors = plan_errors(admin_user, body_template=body[:10000])
    assert list(errors) == ["body_template"]


def test_a_few_doublings_are_still_fine(admin_user):
    plan = create_care_plan(actor=admin_user, data={
        "name": "生日", "occasion": Occasion.BIRTHDAY, "subject_template": "生日快乐",
        "body_template": doubling_template(3)})
    assert preview_care_plan(plan).text == "Zhang San" * 8
