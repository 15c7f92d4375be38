from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.core.api.views import ScopedModelViewSet, ScopedViewSetMixin
from crm.customers import services
from crm.customers.api.serializers import ActivitySerializer, ContactSerializer, CustomerSerializer
from crm.customers.filtersets import CustomerFilterSet
from crm.customers.models import Activity, Contact, Customer


class CustomerViewSet(ScopedModelViewSet):
    queryset = Customer.objects.select_related("owner", "department")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["name", "created_at", "updated_at", "level"]

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "department")

    def perform_create(self, serializer):
        serializer.instance = services.create_customer(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_customer(
            actor=self.request.user, customer=self.get_object(), data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_customer(actor=self.request.user, customer=instance)


class ContactViewSet(ScopedModelViewSet):
    """Contacts of the customers the caller may see; mobile, e-mail and ID number come masked."""

    queryset = Contact.objects.select_related("customer")
    serializer_class = ContactSerializer
    filterset_fields = ["customer", "is_primary", "consent_given"]
    search_fields = ["name", "title"]
    ordering_fields = ["name", "created_at", "updated_at"]
    action_permissions = {"sensitive": "unmask"}

    def get_queryset(self):
        queryset = super().get_queryset().select_related("customer")
        if phone := self.request.query_params.get("phone"):
            queryset = queryset.find_by_phone(phone)
        if email := self.request.query_params.get("email"):
            queryset = queryset.find_by_email(email)
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.create_contact(actor=self.request.user, customer=customer, data=data)

    def perform_update(self, serializer):
        serializer.instance = services.update_contact(actor=self.request.user, contact=self.get_object(),
                                                      data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_contact(actor=self.request.user, contact=instance)

    @extend_schema(responses=inline_serializer("ContactSensitive", {
        "mobile": serializers.CharField(), "email": serializers.CharField(), "id_number": serializers.CharField()}))
    @action(detail=True, methods=["get"])
    def sensitive(self, request, pk=None):
        """The unmasked mobile, e-mail and ID number; needs customers.unmask and is audited."""
        return Response(services.reveal_contact(actor=request.user, contact=self.get_object()))


class ActivityViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      ScopedViewSetMixin, viewsets.GenericViewSet):
    """Follow-ups (跟进记录). Logged, not edited: the record of what happened stays as it was."""

    queryset = Activity.objects.select_related("customer", "created_by")
    serializer_class = ActivitySerializer
    filterset_fields = {"customer": ["exact"], "kind": ["exact"], "occurred_at": ["gte", "lte"],
                        "next_follow_up_at": ["gte", "lte"]}
    ordering_fields = ["occurred_at", "next_follow_up_at"]
    search_fields = ["subject", "content"]

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "created_by")

    def required_action(self) -> str:
        # Logging a follow-up is work on the customer: it needs customers.edit, not a create right of its own.
        return "edit" if self.request.method == "POST" else super().required_action()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        serializer.instance = services.log_activity(actor=self.request.user, customer=customer, data=data)
