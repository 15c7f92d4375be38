from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.accounts.models import User
from crm.core.api.exports import ExportActionMixin
from crm.core.api.views import ScopedModelViewSet, ScopedViewSetMixin
from crm.core.querysets import load_many_values
from crm.customers import services
from crm.customers.api.serializers import (
    ActivitySerializer,
    BulkResultSerializer,
    ContactSerializer,
    CustomerBulkSerializer,
    CustomerSerializer,
    DeletedCustomerSerializer,
)
from crm.customers.exports import CONTACT_EXPORT, CUSTOMER_EXPORT
from crm.customers.filtersets import ContactFilterSet, CustomerFilterSet
from crm.customers.models import Activity, Contact, Customer
from crm.customers.services.bulk import bulk_update_customers


class CustomerViewSet(ExportActionMixin, ScopedModelViewSet):
    """Customers in the caller's scope. DELETE moves a customer to the recycle bin; admins restore or purge."""

    export_spec = CUSTOMER_EXPORT
    queryset = Customer.objects.select_related("owner", "department")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    # ?search= reads the search index (name, pinyin, initials, phone, e-mail), never a LIKE scan of every row.
    search_index = True
    search_fields = ["search_text"]
    ordering_fields = ["name", "created_at", "updated_at", "level", "lifecycle_stage", "last_follow_up_at",
                       "next_follow_up_at"]
    action_permissions = {"bulk": "view", "recycle_bin": "delete", "restore": "delete", "purge": "delete"}
    RECYCLE_BIN_ACTIONS = ("recycle_bin", "restore", "purge")
    LIST_COLUMNS = [*(name for name in CustomerSerializer.Meta.fields
                      if name not in {"owner_name", "department_name", "tags", "collaborators", "in_pool", "add_tags",
                                      "remove_tags", "add_collaborators", "remove_collaborators"}),
                    "pool_entered_at", "owner__name", "owner__username", "department__name"]

    def get_queryset(self):
        if self.action in self.RECYCLE_BIN_ACTIONS:
            return (Customer.all_objects.visible_to(self.request.user, "delete")
                    .filter(deleted_at__isnull=False).select_related("deleted_by").order_by("-deleted_at", "-id"))
        queryset = super().get_queryset().select_related("owner", "department")
        if self.action == "list":
            # Only what the rows show: a customer has twice the columns, its owner's user row five times.
            # Tags and collaborators come in one query each for the page (paginate_queryset).
            return queryset.only(*self.LIST_COLUMNS)
        # Collaborators are listed by id only: their full user rows (password hash and all) cost the list ~2 ms.
        return queryset.prefetch_related("tags", Prefetch("collaborators", queryset=User.objects.only("id")))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            load_many_values(page, {"tags": "name", "collaborators": "pk"})
        return page

    def get_serializer_class(self):
        if self.action in self.RECYCLE_BIN_ACTIONS:
            return DeletedCustomerSerializer
        return super().get_serializer_class()

    @extend_schema(request=CustomerBulkSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Applies one action (assign, tag, untag, pool, delete) to many customers, each checked on its own:
        the answer lists what was done and what was skipped, with why."""
        payload = CustomerBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = bulk_update_customers(actor=request.user, action=data["action"], ids=data["ids"],
                                       owner=data.get("owner"), tag_names=data.get("tags", []),
                                       reason=data.get("reason", ""))
        return Response(result.as_dict())

    @action(detail=False, methods=["get"], url_path="recycle-bin", filterset_class=None)
    def recycle_bin(self, request):
        """Customers in the recycle bin that the caller could delete."""
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Brings a customer back from the recycle bin (administrators)."""
        customer = services.restore_customer(actor=request.user, customer=self.get_object())
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"])
    def purge(self, request, pk=None):
        """Deletes a customer in the recycle bin for good (administrators)."""
        services.purge_customer(actor=request.user, customer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, serializer):
        serializer.instance = services.create_customer(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_customer(
            actor=self.request.user, customer=self.get_object(), data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_customer(actor=self.request.user, customer=instance)


class ContactViewSet(ExportActionMixin, ScopedModelViewSet):
    """Contacts of the customers the caller may see; mobile, e-mail and ID number come masked."""

    export_spec = CONTACT_EXPORT
    queryset = Contact.objects.select_related("customer")
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    search_fields = ["name", "title"]
    ordering_fields = ["name", "created_at", "updated_at"]
    # Newest first by default: the table's own order, so a page is read along it whatever the scope (the
    # model's order, primary contact first, has no index to walk: 4 s for a rep at a million customers).
    ordering = ["-id"]
    action_permissions = {"sensitive": "unmask"}

    def get_queryset(self):
        return super().get_queryset().select_related("customer")

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
