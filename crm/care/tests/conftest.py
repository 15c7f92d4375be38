"""Fixtures of the customer-care tests: a real SMTP server and customers with contacts to greet."""

from __future__ import annotations

import datetime as dt
from email.message import Message

import pytest

from crm.care.models import GreetingDay, Occasion
from crm.care.services import create_care_plan, create_greeting_day
from crm.customers.services import create_contact, create_customer

SPRING_FESTIVAL = dt.date(2027, 2, 6)


def decoded(message: Message) -> tuple[str, str, str]:
    """(subject, plain text, html) of a received greeting."""
    from email.header import decode_header, make_header

    subject = str(make_header(decode_header(message["Subject"])))
    parts = {part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
             .replace("\r\n", "\n")
             for part in message.walk() if not part.is_multipart()}
    return subject, parts.get("text/plain", ""), parts.get("text/html", "")


@pytest.fixture
def add_contact(org):
    """add_contact(name, email, owner=rep, consent=True, birthday=None, customer=None, **customer fields)."""

    def make(name: str, address: str = "", *, owner=None, consent: bool = True, birthday: dt.date | None = None,
             customer=None, is_primary: bool = False, customer_name: str = "", **customer_fields):
        owner = owner or org["sales1"]
        if customer is None:
            customer = create_customer(actor=owner, data={"name": customer_name or f"{name}的公司",
                                                          **customer_fields})
        return create_contact(actor=owner, customer=customer, data={
            "name": name, "email": address, "consent_given": consent, "birthday": birthday,
            "is_primary": is_primary, "consent_source": "签约时书面同意" if consent else ""})

    return make


@pytest.fixture
def birthday_plan(admin_user):
    return create_care_plan(actor=admin_user, data={
        "name": "生日祝福", "occasion": Occasion.BIRTHDAY,
        "subject_template": "{{ contact.name }}，生日快乐！",
        "body_template": "尊敬的{{ contact.name }}：\n\n{{ company }}祝{{ customer.name }}的您生日快乐！"})


@pytest.fixture
def spring_festival(admin_user):
    return create_greeting_day(actor=admin_user, data={"name": "春节", "date": SPRING_FESTIVAL,
                                                       "calendar": GreetingDay.Calendar.CHINESE})


@pytest.fixture
def holiday_plan(admin_user, spring_festival):
    return create_care_plan(actor=admin_user, data={
        "name": "春节问候", "occasion": Occasion.HOLIDAY, "greeting_days": [spring_festival],
        "subject_template": "{{ holiday }}快乐，{{ contact.name }}",
        "body_template": "{{ company }}恭祝{{ customer.name }}{{ holiday }}快乐！"})
