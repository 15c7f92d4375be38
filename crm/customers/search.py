"""The customers' entry in global search. Simple and scoped; the customers issue replaces it with an index."""

from django.utils.translation import gettext_lazy as _

from crm.core.contact_points import normalise_phone
from crm.core.search import SearchHit, SearchProvider
from crm.customers.models import Contact, Customer


def search_customers(user, query: str, limit: int) -> list[SearchHit]:
    needle = normalise_phone(query) if normalise_phone(query) and query.strip()[:1] in "+0123456789" else query
    matches = Customer.objects.visible_to(user).filter(
        search_text__contains=needle.strip().lower()).only("pk", "name", "industry")[:limit]
    return [SearchHit("customer", c.pk, c.name, c.get_industry_display(), c.get_absolute_url()) for c in matches]


PROVIDER = SearchProvider(entity="customer", label=_("Customers"), module="customers", search=search_customers)


def search_contacts(user, query: str, limit: int) -> list[SearchHit]:
    """By name, or exactly by mobile / e-mail through their blind indexes (the values are encrypted)."""
    contacts = Contact.objects.visible_to(user).select_related("customer")
    # Exact matches through the indexed blind indexes first, as separate queries: OR-ed with a substring
    # condition they would lose their index.
    found = list(contacts.find_by_phone(query)[:limit]) or list(contacts.find_by_email(query)[:limit])
    if len(found) < limit:
        seen = {c.pk for c in found}
        found += [c for c in contacts.filter(search_text__contains=query.strip().lower())[:limit] if c.pk not in seen]
    return [SearchHit("contact", c.pk, c.name, c.customer.name, c.customer.get_absolute_url()) for c in found[:limit]]

CONTACTS = SearchProvider(entity="contact", label=_("Contacts"), module="customers", search=search_contacts)
