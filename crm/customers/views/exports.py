"""Downloads of the customer list: the customers it shows, or their contacts, as CSV or Excel."""

from __future__ import annotations

from crm.core.views import ListExportMixin
from crm.customers.exports import CONTACT_EXPORT, CUSTOMER_EXPORT
from crm.customers.models import Contact
from crm.customers.views import CustomerListView


class CustomerExportView(ListExportMixin, CustomerListView):
    """``/customers/export/?format=csv|xlsx&<the list's query>``: the list's own queryset (scope, filters, sort)
    as a file. Needs customers.export; bad filters or format answer 400 and export nothing."""

    export_spec = CUSTOMER_EXPORT
    list_url_name = "customers:list"


class ContactExportView(CustomerExportView):
    """``/customers/contacts/export/``: the contacts of the customers the list shows, customer by customer."""

    export_spec = CONTACT_EXPORT

    def export_rows(self, customers):
        return (
            Contact.objects.visible_to(self.request.user, "export")
            .filter(customer__in=customers.order_by().values("pk"))
            .order_by("customer__name", "customer_id", "-is_primary", "name", "id")
        )
