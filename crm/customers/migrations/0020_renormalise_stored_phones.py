"""Phones and e-mails stored before every door normalised them, brought to the form they get today.

Imports before 0018 stored some mobiles with full-width digits (１３８…) or with the extension glued on
(0571-88886666 转 123), and e-mails in upper case: exact search and the duplicate finder, which look for the
normal form, never found them. Each such value is rewritten as ``fill_derived()`` now writes it — the number, the
extension apart, the blind index again — in batches by primary key. A value that cannot be a phone at all is
left as it was (its owner is asked to correct it at the next edit, like any invalid value): nothing is guessed
or thrown away. Contacts' values are encrypted, so each is read and compared in Python; at a million customers
with two million contacts this runs a minute or two, once.
"""

from django.db import migrations

from crm.core.contact_points import normalise_email, normalise_phone, parse_phone
from crm.core.crypto import blind_index

BATCH = 5000


def _phone(value: str, extension: str) -> tuple[str, str] | None:
    """(number, extension) when ``value`` is a phone stored in another form than the normal one."""
    if not value:
        return None
    phone = parse_phone(value)
    if phone.fault or (phone.number == value and not phone.extension):
        return None
    return phone.number, phone.extension or extension


def _batches(rows, fields):
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def renormalise(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Contact = apps.get_model("customers", "Contact")
    for batch in _batches(Customer._base_manager.exclude(phone="", email=""), ("phone", "phone_extension", "email")):
        changed = []
        for customer in batch:
            before = (customer.phone, customer.phone_extension, customer.email)
            if found := _phone(customer.phone, customer.phone_extension):
                customer.phone, customer.phone_extension = found
            customer.email = normalise_email(customer.email) or customer.email
            if (customer.phone, customer.phone_extension, customer.email) != before:
                changed.append(customer)
        Customer._base_manager.bulk_update(changed, ["phone", "phone_extension", "email"])
    fields = ("mobile", "phone_extension", "email", "mobile_index", "email_index")
    for batch in _batches(Contact._base_manager.all(), fields):
        changed = []
        for contact in batch:
            before = tuple(getattr(contact, name) for name in fields)
            if found := _phone(contact.mobile, contact.phone_extension):
                contact.mobile, contact.phone_extension = found
            contact.email = normalise_email(contact.email) or contact.email
            contact.mobile_index = blind_index(normalise_phone(contact.mobile))
            contact.email_index = blind_index(normalise_email(contact.email))
            if tuple(getattr(contact, name) for name in fields) != before:
                changed.append(contact)
        Contact._base_manager.bulk_update(changed, list(fields))


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0019_input_bounds"),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop, elidable=True),
    ]
