"""The customers' own panels on the customer 360° page (registered in CustomersConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.core.panels import Panel


def contacts_panel(customer, user, page) -> dict | None:
    # The pool's preview shows no contacts until a claim (crm/customers/pool_preview.py).
    if page.get("pool_preview"):
        return None
    # Contacts are scoped through their customer (scope_through), and the page fetched the customer through the
    # user's scope: its contacts are exactly those the user may see.
    return {"contacts": customer.contacts.all()}


def duplicates_panel(customer, user, page) -> dict | None:
    # Loaded by htmx after the page; only for those who may edit (and so merge) the customer.
    return {} if page.get("can_edit") else None


CONTACTS = Panel(code="contacts", title=_("Contacts"), template="customers/panels/_contacts.html",
                 context=contacts_panel, module="customers", order=10)
DUPLICATES = Panel(code="duplicates", title=_("Possible duplicates"), template="customers/panels/_duplicates.html",
                   context=duplicates_panel, module="customers", action="edit", order=90)
