"""One person's data rights from the contact page: consent at a glance, a JSON download, and erasure."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views import generic

from crm.core.errors import DomainError
from crm.core.views import ModulePermissionMixin
from crm.customers.models import Contact
from crm.customers.services.personal_data import erase_contact, export_contact_data


class ContactPersonalDataView(ModulePermissionMixin, generic.View):
    """htmx panel on the contact page: consent, and the export / erase actions the user's role allows."""

    module = "customers"
    action = "edit"

    def get(self, request, pk):
        contact = get_object_or_404(Contact.objects.visible_to(request.user, "edit"), pk=pk)
        return render(
            request,
            "customers/personal_data/_panel.html",
            {
                "contact": contact,
                "can_export": request.user.has_module_perm("customers", "unmask"),
                "can_erase": request.user.has_module_perm("customers", "delete"),
            },
        )


class ContactPersonalDataExportView(ModulePermissionMixin, generic.View):
    """Downloads everything held about the person as JSON; needs customers.unmask; audited as an export."""

    module = "customers"
    action = "unmask"

    def get(self, request, pk):
        contact = get_object_or_404(
            Contact.objects.visible_to(request.user, "unmask").select_related("customer"), pk=pk
        )
        data = export_contact_data(actor=request.user, contact=contact)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-personal-data.json"'
        return response


class ContactEraseView(ModulePermissionMixin, generic.View):
    """Confirm, then anonymise the person (needs customers.delete). The contact row stays for the counts."""

    module = "customers"
    action = "delete"
    template_name = "customers/personal_data/erase_confirm.html"

    def _contact(self, pk: int) -> Contact:
        return get_object_or_404(
            Contact.objects.visible_to(self.request.user, "delete").select_related("customer"), pk=pk
        )

    def get(self, request, pk):
        return render(request, self.template_name, {"contact": self._contact(pk)})

    def post(self, request, pk):
        contact = self._contact(pk)
        try:
            erase_contact(actor=request.user, contact=contact)
        except DomainError as error:
            return render(request, self.template_name, {"contact": contact, "error": error.message}, status=400)
        messages.success(request, _("The person's data was erased."))
        return HttpResponseRedirect(contact.customer.get_absolute_url())
