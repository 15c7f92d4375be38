"""Duplicates and merge over the API: the same finder and merge service as the pages."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from crm.core.api.fields import IdField, id_list
from crm.core.api.views import ScopedViewSetMixin
from crm.core.parsing import parse_int
from crm.customers.api.serializers import CustomerSerializer
from crm.customers.models import Customer
from crm.customers.services.merge import (
    MAX_GROUPS_PER_PAGE,
    REASONS,
    find_duplicate_groups,
    find_duplicates_of,
    merge_customers,
    mergeable_fields,
)

MAX_MERGED_AT_ONCE = 10
MAX_AFTER = 2000  # a page token is an encrypted key of up to 200 characters: well under this


class DuplicateCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    owner_name = serializers.StringRelatedField(source="owner")  # null without one
    created_at = serializers.DateTimeField()


class DuplicateGroupSerializer(serializers.Serializer):
    reason = serializers.CharField()
    reason_label = serializers.CharField()
    label = serializers.CharField(help_text=gettext_lazy("What the group shares; contact values come masked."))
    size = serializers.IntegerField(help_text=gettext_lazy("Customers in the group (only the first 10 are listed)."))
    customers = DuplicateCustomerSerializer(many=True)


class DuplicatePageSerializer(serializers.Serializer):
    reason = serializers.CharField()
    next = serializers.CharField(allow_null=True, help_text=gettext_lazy("Pass as ?after= for the next page."))
    results = DuplicateGroupSerializer(many=True)


class DuplicateMatchSerializer(serializers.Serializer):
    customer = DuplicateCustomerSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


class MergeRequestSerializer(serializers.Serializer):
    survivor = IdField()
    merged = id_list(min_length=1, max_length=MAX_MERGED_AT_ONCE)
    fields = serializers.DictField(
        child=IdField(),
        required=False,
        default=dict,
        help_text=gettext_lazy("field name → id of the customer whose value to keep"),
    )

    def validate(self, attrs):
        if attrs["survivor"] in attrs["merged"]:
            raise ValidationError({"merged": [_("The surviving customer cannot also be merged away.")]})
        if len(set(attrs["merged"])) != len(attrs["merged"]):
            raise ValidationError({"merged": [_("A customer is listed twice.")]})
        ids = {attrs["survivor"], *attrs["merged"]}
        allowed = set(mergeable_fields(self.context["request"].user))
        errors = {}
        for name, customer_id in attrs["fields"].items():
            if name not in allowed:
                errors[name] = [_("Not a field you can choose when merging.")]
            elif customer_id not in ids:
                errors[name] = [_("Pick the value of one of the customers being merged.")]
        if errors:
            raise ValidationError({"fields": errors})
        return attrs


class MergeResultSerializer(serializers.Serializer):
    survivor = CustomerSerializer()
    merged = serializers.ListField(child=serializers.IntegerField())
    moved = serializers.DictField(
        child=serializers.IntegerField(), help_text=gettext_lazy("records moved, by model label")
    )


def _limit(request) -> int:
    limit = parse_int(request.query_params.get("limit", "20"), min_value=1, max_value=MAX_GROUPS_PER_PAGE)
    if limit is None:
        raise ValidationError({"limit": [_("Enter a whole number from 1 to %(max)s.") % {"max": MAX_GROUPS_PER_PAGE}]})
    return limit


class CustomerDuplicateViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Duplicate groups in the caller's scope (customers they may edit), one customer's possible duplicates,
    and the merge (customers.edit and customers.delete)."""

    queryset = Customer.objects.all()
    serializer_class = DuplicatePageSerializer
    action_permissions = {"groups": "edit", "of_customer": "edit", "merge": "delete"}
    pagination_class = None

    @extend_schema(
        operation_id="customers_duplicates_list",
        parameters=[
            OpenApiParameter(
                "reason",
                OpenApiTypes.STR,
                enum=list(REASONS),
                description="name (default), phone, email, contact_mobile, contact_email",
            ),
            OpenApiParameter("after", OpenApiTypes.STR, description="the `next` of the previous page"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="groups per page, 1–100 (20)"),
        ],
        responses=DuplicatePageSerializer,
    )
    def groups(self, request):
        reason = request.query_params.get("reason", "name")
        if reason not in REASONS:
            raise ValidationError(
                {
                    "reason": [
                        _("Unknown duplicate reason. Choose one of: %(reasons)s.") % {"reasons": ", ".join(REASONS)}
                    ]
                }
            )
        page = find_duplicate_groups(
            request.user, reason, after=request.query_params.get("after", "")[:MAX_AFTER], limit=_limit(request)
        )
        return Response(
            DuplicatePageSerializer({"reason": reason, "next": page.next_after, "results": page.groups}).data
        )

    @extend_schema(operation_id="customers_duplicates_of_customer", responses=DuplicateMatchSerializer(many=True))
    def of_customer(self, request, pk: int):
        customer = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(DuplicateMatchSerializer(find_duplicates_of(request.user, customer), many=True).data)

    @extend_schema(operation_id="customers_merge", request=MergeRequestSerializer, responses=MergeResultSerializer)
    def merge(self, request):
        if not request.user.has_module_perm("customers", "edit"):
            self.permission_denied(request)
        payload = MergeRequestSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        scope = self.get_queryset()  # visible_to(user, "delete"): the merged customers are deleted
        with transaction.atomic():
            customers = {c.pk: c for c in scope.filter(pk__in=[data["survivor"], *data["merged"]])}
            if len(customers) != 1 + len(data["merged"]):
                raise NotFound()
            result = merge_customers(
                actor=request.user,
                survivor=customers[data["survivor"]],
                others=[customers[pk] for pk in data["merged"]],
                field_choices=data["fields"],
            )
        return Response(
            MergeResultSerializer(
                {"survivor": result.survivor, "merged": [c.pk for c in result.merged], "moved": result.moved},
                context={"request": request},
            ).data
        )
