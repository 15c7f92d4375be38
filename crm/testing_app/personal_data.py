"""A person's part in the deals: exported with their data, scrubbed and unlinked when they are erased."""

from crm.customers.services.personal_data import PersonalDataProvider
from crm.testing_app.models import Deal


def export_deals(contact) -> dict:
    deals = Deal.objects.filter(contact=contact).order_by("id")
    return {"deals": [{"name": deal.name, "notes": deal.notes} for deal in deals]}


def erase_deals(erasure) -> dict:
    deals = list(Deal.objects.filter(contact=erasure.contact))
    for deal in deals:
        deal.notes = erasure.scrub(deal.notes)
        deal.contact = None
    Deal.objects.bulk_update(deals, ["notes", "contact"])
    erasure.scrub_audit_trail(Deal, [deal.pk for deal in deals], personal_fields=("notes",))
    return {"deals": len(deals)}


PROVIDER = PersonalDataProvider(code="testing_app.deals", export=export_deals, erase=erase_deals, order=50)
