"""API of the public pool and the lifecycle stage: /api/v1/pool/, release, stage by hand, and the rules.

The same services as the pages, so the same permissions, claim limit, race safety and audit apply.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.accounts.models import User
from crm.core.api.views import FieldPermissionSerializerMixin, ModuleViewSetMixin, ScopedViewSetMixin
from crm.customers.api.serializers import CustomerSerializer
from crm.customers.filtersets import PoolFilterSet
from crm.customers.models import Customer, LifecyclePolicy, PoolRule
from crm.customers.pool_preview import POOL_PREVIEW_FIELDS
from crm.customers.services import lifecycle, pool


class PoolCustomerSerializer(FieldPermissionSerializerMixin, serializers.ModelSerializer):
    """What a rep sees of a pool customer before claiming it: the pool's field list (crm/customers/pool_preview.py),
    the same as the pool's pages — no phone, e-mail, address or remark."""

    level_label = serializers.CharField(source="get_level_display", read_only=True)
    industry_label = serializers.CharField(source="get_industry_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = ["id", *POOL_PREVIEW_FIELDS, "industry_label", "level_label", "department_name"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class ReleaseSerializer(serializers.Serializer):
    # Optional here on purpose: the service says what is wrong with a missing reason, in the caller's language.
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Customer.Stage.choices)


class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSetMixin, viewsets.GenericViewSet):
    """Customers in the public pool: the whole company's, for anyone with customers.pool."""

    module = "customers"
    queryset = Customer.objects.all()
    serializer_class = PoolCustomerSerializer
    filterset_class = PoolFilterSet
    ordering_fields = ["pool_entered_at", "name", "last_follow_up_at"]
    action_permissions = {"list": "pool", "retrieve": "pool", "claim": "pool", "assign": "assign"}

    def get_queryset(self):
        return (
            Customer.objects.in_pool().visible_to(self.request.user, "pool")
            .select_related("department")
            .order_by("-pool_entered_at", "-id")
        )

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Takes the customer as the caller's own, within their claim limit; if someone was quicker, a 400
        says so and nothing changes."""
        customer = pool.claim_from_pool(actor=request.user, customer=self.get_object())
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)

    @extend_schema(request=AssignSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Hands the customer to ``owner`` (managers with customers.assign); counts against their limit."""
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = pool.assign_from_pool(
            actor=request.user, customer=self.get_object(), owner=payload.validated_data["owner"]
        )
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)


class CustomerPoolActionsViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Release to the pool and the lifecycle stage of one customer (routed under /customers/{id}/)."""

    module = "customers"
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    action_permissions = {"release": "view", "set_stage": "edit", "unlock_stage": "edit"}

    @extend_schema(request=ReleaseSerializer, responses=CustomerSerializer)
    def release(self, request, pk=None):
        """Gives the customer up to the pool with a reason (its owner, or a manager who may assign it)."""
        payload = ReleaseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = pool.release_to_pool(
            actor=request.user, customer=self.get_object(), reason=payload.validated_data["reason"]
        )
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)

    @extend_schema(request=StageSerializer, responses=CustomerSerializer)
    def set_stage(self, request, pk=None):
        """Sets the lifecycle stage by hand; the nightly job leaves it alone until unlocked."""
        payload = StageSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = lifecycle.set_stage_by_hand(
            actor=request.user, customer=self.get_object(), stage=payload.validated_data["stage"]
        )
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=CustomerSerializer)
    def unlock_stage(self, request, pk=None):
        """Hands the stage back to the schedule and recomputes it now."""
        customer = lifecycle.unlock_stage(actor=request.user, customer=self.get_object())
        return Response(CustomerSerializer(customer, context=self.get_serializer_context()).data)


class PoolRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PoolRule
        fields = ["id", "level", "days", "warn_days", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PoolRuleViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Pool rules: everyone with system.view reads them; system.edit changes them."""

    module = "system"
    queryset = PoolRule.objects.all()
    serializer_class = PoolRuleSerializer
    pagination_class = None

    def get_queryset(self):
        return PoolRule.objects.all()

    def required_action(self) -> str:
        return "view" if self.request.method in ("GET", "HEAD", "OPTIONS") else "edit"

    def perform_create(self, serializer):
        serializer.instance = pool.save_pool_rule(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = pool.save_pool_rule(
            actor=self.request.user, data=serializer.validated_data, rule=self.get_object()
        )

    def perform_destroy(self, instance):
        pool.delete_pool_rule(actor=self.request.user, rule=instance)


class LifecyclePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = LifecyclePolicy
        fields = ["new_days", "active_days", "lost_days", "updated_at"]
        read_only_fields = ["updated_at"]


class LifecyclePolicyView(ModuleViewSetMixin, generics.GenericAPIView):
    """The lifecycle thresholds (one record, no data scope): GET with system.view, PUT/PATCH with system.edit.
    A generic view over that record, so OPTIONS can describe the form as for any other resource."""

    module = "system"
    serializer_class = LifecyclePolicySerializer

    def get_object(self):
        return LifecyclePolicy.current()

    def get(self, request):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=LifecyclePolicySerializer, responses=LifecyclePolicySerializer)
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(request=LifecyclePolicySerializer, responses=LifecyclePolicySerializer)
    def patch(self, request):
        return self._save(request, partial=True)

    def _save(self, request, partial: bool):
        payload = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        policy = lifecycle.update_lifecycle_policy(actor=request.user, data=payload.validated_data)
        return Response(self.get_serializer(policy).data)
