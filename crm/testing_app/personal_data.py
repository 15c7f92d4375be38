"""A person's part in the deals: exported with their data; on erasure the deals naming them are unlinked, and
every deal of their customer loses the person in its notes and audit rows (a deal may mention them unlinked)."""

from django.db.models import Q

from crm.customers.services.personal_data import PersonalDataProvider
from crm.testing_app.models import Deal


def export_deals(contact) -> dict:
    deals = Deal.objects.filter(contact=contact).order_by("id")
    return {"deals": [{"name": deal.name, "notes": deal.notes} for deal in deals]}


def erase_deals(erasure) -> dict:
    deals = list(Deal.objects.filter(Q(contact=erasure.contact) | Q(customer_id=erasure.contact.customer_id)))
    linked = [deal.pk for deal in deals if deal.contact_id == erasure.contact.pk]
    for deal in deals:
        deal.notes = erasure.scrub(deal.notes)
        if deal.contact_id == erasure.contact.pk:
            deal.contact = None
    Deal.objects.bulk_update(deals, ["notes", "contact"])
    erasure.scrub_audit_trail(Deal, linked, personal_fields=("notes",))
    erasure.scrub_audit_trail(Deal, [deal.pk for deal in deals if deal.pk not in linked])
    return {"deals": len(linked)}


PROVIDER = PersonalDataProvider(code="testing_app.deals", export=export_deals, erase=erase_deals, order=50)
