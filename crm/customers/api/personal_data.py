"""One person's data rights over the API: GET …/personal-data/ (customers.unmask, audited) and POST …/erase/
(customers.delete)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from crm.core.api.views import ScopedViewSetMixin
from crm.customers.api.serializers import ContactSerializer
from crm.customers.models import Contact
from crm.customers.services.personal_data import erase_contact, export_contact_data


class ContactPersonalDataViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    queryset = Contact.objects.select_related("customer")
    serializer_class = ContactSerializer
    action_permissions = {"export": "unmask", "erase": "delete"}
    pagination_class = None

    def get_queryset(self):
        return super().get_queryset().select_related("customer")

    @extend_schema(operation_id="contacts_personal_data", responses=OpenApiTypes.OBJECT)
    def export(self, request, pk: int):
        """Everything held about the person, decrypted: contact fields, consent, customer, follow-ups."""
        return Response(export_contact_data(actor=request.user, contact=self.get_object()))

    @extend_schema(operation_id="contacts_erase", request=None, responses=ContactSerializer)
    def erase(self, request, pk: int):
        """Anonymises the person; the contact row stays for counts. Answers with the erased contact."""
        contact = erase_contact(actor=request.user, contact=self.get_object())
        return Response(ContactSerializer(contact, context={"request": request}).data)
