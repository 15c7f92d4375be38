"""Import validation is the models' own: FieldCleaner gives full_clean()'s verdict and messages, and the cached
e-mail validator the verdict of Django's."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from crm.customers.models import Customer
from crm.imports.validation import CachedDomainEmailValidator, FieldCleaner

ADDRESSES = [
    "a@example.cn", "A.B-c+d@sub.example.com.cn", "用户@例子.中国", "user@xn--fiqs8s.cn", "user@[127.0.0.1]",
    "user@[IPv6:2001:db8::1]", "user@[999.1.1.1]", "user@localhost", "user@-bad.com", "user@bad-.com",
    "user@exa_mple.com", "user@.com", "user@com", "@example.cn", "user@", "user", "us er@example.cn",
    "user@@example.cn", '"quoted user"@example.cn', "user.@example.cn", ".user@example.cn", "a" * 65 + "@x.cn",
    "user@" + "a" * 64 + ".cn", "user@" + ".".join(["abc"] * 90) + ".cn", "user@example.c0m", "user@例子.c",
    "user@example.cn\n", "", "x" * 330 + "@example.cn",
]


def verdict(check, value):
    try:
        check(value)
    except ValidationError as error:
        return error.messages
    return None


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_cached_email_validator_agrees_with_djangos(address):
    cached = CachedDomainEmailValidator(Customer._meta.get_field("email").validators[0])
    # twice: the second answer comes from the cache
    assert verdict(cached, address) == verdict(validate_email, address) == verdict(cached, address)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value"),
    [("name", "x" * 201), ("name", "x" * 200), ("name", ""), ("kind", "partner"), ("kind", "individual"),
     ("level", "A"), ("level", "Z"), ("level", "bad code!"), ("email", "a@b.cn"), ("email", "a@b"),
     ("city", "杭" * 51), ("phone", "1" * 41)],
)
def test_a_field_cleaner_gives_full_cleans_verdict(org, name, value):
    customer = Customer(**{"name": "甲", name: value})
    try:
        customer.full_clean(exclude=[f.name for f in Customer._meta.fields if f.name != name])
        expected = None
    except ValidationError as error:
        expected = error.message_dict[name]
    cleaner = FieldCleaner(Customer, name)
    assert verdict(cleaner, value) == expected == verdict(cleaner, value)
