"""An id past 64 bits in an ``__in`` list matches nothing instead of overflowing the database driver."""

import pytest

from crm.accounts.models import User
from crm.customers.models import Customer
from crm.customers.services import create_customer

pytestmark = pytest.mark.django_db
HUGE = 99999999999999999999


def test_an_id_the_column_cannot_hold_matches_nothing(org):
    assert list(User.objects.filter(pk__in=[HUGE])) == []
    assert list(User.objects.filter(pk__in=[HUGE, org["admin"].pk])) == [org["admin"]]


def test_through_foreign_keys_and_many_to_many_too(org):
    customer = create_customer(actor=org["sales1"], data={"name": "溢出测试"})
    assert list(Customer.objects.filter(owner__in=[HUGE])) == []
    assert list(Customer.objects.filter(owner_id__in=[HUGE, org["sales1"].pk])) == [customer]
    assert list(User.objects.filter(roles__in=[HUGE])) == []
