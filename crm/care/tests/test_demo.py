"""The demo: greeting days for 2026–2027 and three plans, loaded twice without doubling anything."""

import datetime as dt

import pytest

from crm.care import demo
from crm.care.models import CarePlan, GreetingDay, Occasion

pytestmark = pytest.mark.django_db


def test_the_demo_loads_days_and_plans_once(org):
    demo.load(org)
    demo.load(org)
    assert GreetingDay.objects.filter(name="春节").values_list("date", flat=True).count() == 2
    assert set(GreetingDay.objects.dates("date", "year")) == {dt.date(2026, 1, 1), dt.date(2027, 1, 1)}
    plans = {plan.occasion: plan for plan in CarePlan.objects.all()}
    assert set(plans) == {Occasion.BIRTHDAY, Occasion.HOLIDAY, Occasion.ANNIVERSARY}
    assert [str(day) for day in plans[Occasion.HOLIDAY].greeting_days.all()] == ["春节 2026-02-17", "春节 2027-02-06"]
    assert plans[Occasion.ANNIVERSARY].owner == org["manager"]
