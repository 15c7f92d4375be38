"""The demo data a first-time user explores: customers over the demo reps, a year of follow-ups, a public pool."""

import pytest

from crm.customers import demo
from crm.customers.models import Activity, Contact, Customer

pytestmark = pytest.mark.django_db


def test_the_demo_gives_each_rep_customers_with_history_and_fills_the_pool(org):
    demo.load(org)

    assert Customer.all_objects.count() == demo.DEMO_CUSTOMERS
    for rep in ("sales1", "sales2", "manager"):
        assert Customer.objects.filter(owner=org[rep]).count() > 100
    assert Contact.objects.count() >= demo.DEMO_CUSTOMERS
    assert Activity.objects.filter(occurred_at__lt=Activity.objects.latest("occurred_at").occurred_at).count() > 1000
    assert Customer.objects.in_pool().count() == 25
    assert Customer.objects.exclude(lifecycle_stage=Customer.Stage.PROSPECT).count() > 300

    demo.load(org)  # a second `crm demo` keeps what is there
    assert Customer.all_objects.count() == demo.DEMO_CUSTOMERS
