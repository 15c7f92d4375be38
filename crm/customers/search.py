"""The customers' entries in global search: customers and contacts, through the search index, within scope."""

import re

from django.utils.translation import gettext_lazy as _

from crm.core.contact_points import normalise_phone
from crm.core.fieldperms import unsearchable_fields
from crm.core.fulltext import find_matches, in_scope
from crm.core.search import SearchHit, SearchProvider
from crm.customers.models import Contact, Customer

# "0571 8888-6666", "(0571) 88886666", "+86 138 0013 8000": a phone however it is written.
_PHONE_LIKE = re.compile(r"^[\d\s+\-().]+$")


def _survivors_of_number(user, query: str) -> list[int]:
    """The customer a merged-away customer's number now belongs to: the merged row keeps its number (it stays
    in the audit trail under it), so searching an old number leads to where its records went. One indexed
    lookup per hop; only customers the user may see."""
    number = query.strip()
    if not number or " " in number:
        return []
    merged = Customer.all_objects.filter(merged_into__isnull=False)
    target = merged.filter(number__in={number, number.upper()}).values_list("merged_into_id", flat=True).first()
    for _hop in range(5):  # the survivor may have been merged away in turn
        following = merged.filter(pk=target).values_list("merged_into_id", flat=True).first() if target else None
        if following is None:
            break
        target = following
    return list(in_scope(Customer.objects.visible_to(user), [target]).values_list("pk", flat=True)) if target else []


def search_customers(user, query: str, limit: int) -> list[SearchHit]:
    """By name (substring), pinyin, initials, customer number, phone (substring, however it is written) or
    e-mail; an old number of a merged-away customer finds the customer it was merged into."""
    # Phones are stored normalised, so a phone query becomes the digits it is stored as.
    phone = normalise_phone(query) if _PHONE_LIKE.match(query) else ""
    ids = find_matches(Customer.objects.visible_to(user), phone or query, limit, user=user)
    ids = list(dict.fromkeys([*_survivors_of_number(user, query), *ids]))[:limit]
    found = Customer.objects.only("name", "industry").in_bulk(ids)
    return [
        SearchHit("customer", pk, found[pk].name, found[pk].get_industry_display(), found[pk].get_absolute_url())
        for pk in ids
        if pk in found
    ]


PROVIDER = SearchProvider(entity="customer", label=_("Customers"), module="customers", search=search_customers)


def search_contacts(user, query: str, limit: int) -> list[SearchHit]:
    """By name, pinyin or initials, or exactly by mobile / e-mail through their blind indexes (the values are
    encrypted, so there is no substring search on them) — the latter only for a role that may unmask them: an
    exact hit on a masked mobile would confirm its hidden digits."""
    contacts = Contact.objects.visible_to(user)
    denied = unsearchable_fields(user, Contact)
    # Exact matches through the blind indexes first; the few rows with that phone or e-mail are then checked
    # against the scope one by one (in_scope), which keeps SQLite on primary-key lookups.
    same = list(Contact.objects.find_by_phone(query).values_list("pk", flat=True)[:100]) if "mobile" not in denied \
        else []
    if not same and "email" not in denied:
        same = list(Contact.objects.find_by_email(query).values_list("pk", flat=True)[:100])
    ids = list(in_scope(contacts, same).order_by("-pk").values_list("pk", flat=True)[:limit]) if same else []
    if len(ids) < limit:
        ids = list(dict.fromkeys([*ids, *find_matches(contacts, query, limit, user=user)]))[:limit]
    found = Contact.objects.select_related("customer").only("name", "customer__name").in_bulk(ids)
    return [
        SearchHit("contact", pk, found[pk].name, found[pk].customer.name, found[pk].customer.get_absolute_url())
        for pk in ids
        if pk in found
    ]


CONTACTS = SearchProvider(entity="contact", label=_("Contacts"), module="customers", search=search_contacts)
