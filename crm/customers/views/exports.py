"""Downloads of the customer list: the customers it shows, or their contacts, as CSV or Excel."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.exports import ExportSpec, export_response, filters_for_audit
from crm.customers.exports import CONTACT_EXPORT, CUSTOMER_EXPORT
from crm.customers.models import Contact
from crm.customers.views import CustomerListView


class CustomerExportView(CustomerListView):
    """``/customers/export/?format=csv|xlsx&<the list's query>``: the list's own queryset (scope, filters, sort)
    as a file. Needs customers.export; bad filters or format answer 400 and export nothing."""

    action = "export"
    spec: ExportSpec = CUSTOMER_EXPORT

    def get(self, request, *args, **kwargs):
        customers = self.get_queryset()
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_bound and not filterset.is_valid():
            return self.refuse(_("Some filters are not valid."), sorted(filterset.errors.items()))
        try:
            return export_response(
                self.spec,
                self.rows(customers),
                user=request.user,
                file_format=request.GET.get("format"),
                filters=filters_for_audit(request.GET),
            )
        except DomainError as error:
            return self.refuse(error.message)

    def rows(self, customers):
        return customers

    def refuse(self, message: str, field_errors=()):
        query = request_query_without_format(self.request)
        return render(
            self.request,
            "core/export_error.html",
            status=400,
            context={
                "message": message,
                "field_errors": field_errors,
                "back_url": f"{reverse('customers:list')}?{query}" if query else reverse("customers:list"),
            },
        )


class ContactExportView(CustomerExportView):
    """``/customers/contacts/export/``: the contacts of the customers the list shows, customer by customer."""

    spec = CONTACT_EXPORT

    def rows(self, customers):
        return (
            Contact.objects.visible_to(self.request.user, "export")
            .filter(customer__in=customers.order_by().values("pk"))
            .order_by("customer__name", "customer_id", "-is_primary", "name", "id")
        )


def request_query_without_format(request) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    return query.urlencode()
