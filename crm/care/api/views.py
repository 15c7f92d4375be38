from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.care import services
from crm.care.api.serializers import (
    CareLogSerializer,
    CarePlanPreviewRequestSerializer,
    CarePlanSerializer,
    GreetingDaySerializer,
    RenderedGreetingSerializer,
)
from crm.care.filtersets import CareLogFilterSet, CarePlanFilterSet
from crm.care.models import CareLog, CarePlan, GreetingDay
from crm.core.api.views import ScopedModelViewSet, ScopedViewSetMixin


class CarePlanViewSet(ScopedModelViewSet):
    """Care plans (客户关怀计划) in the caller's scope. Templates with bad syntax or unknown merge fields are
    refused with a message naming the problem."""

    queryset = CarePlan.objects.all()
    serializer_class = CarePlanSerializer
    filterset_class = CarePlanFilterSet
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at"]
    action_permissions = {"preview": "view"}

    def get_queryset(self):
        return super().get_queryset().select_related("owner").prefetch_related("greeting_days", "tags")

    def perform_create(self, serializer):
        serializer.instance = services.create_care_plan(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_care_plan(actor=self.request.user, plan=self.get_object(),
                                                        data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_care_plan(actor=self.request.user, plan=instance)

    @extend_schema(request=CarePlanPreviewRequestSerializer, responses=RenderedGreetingSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """The plan's greeting rendered for a contact (or sample values); nothing is sent."""
        plan = self.get_object()
        payload = CarePlanPreviewRequestSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        greeting = services.preview_care_plan(plan, payload.validated_data.get("contact"))
        return Response(RenderedGreetingSerializer(greeting).data)


class GreetingDayViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """The days holiday plans greet on; shared by all plans, kept by whoever may manage customer care."""

    module = "care"
    queryset = GreetingDay.objects.all()
    serializer_class = GreetingDaySerializer
    filterset_fields = {"name": ["exact"], "calendar": ["exact"], "date": ["exact", "gte", "lte", "year"]}
    ordering_fields = ["date", "name"]

    def get_queryset(self):
        return GreetingDay.objects.all()  # a calendar, not business data: no data scope, only the permission

    def perform_create(self, serializer):
        serializer.instance = services.create_greeting_day(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_greeting_day(actor=self.request.user, day=self.get_object(),
                                                           data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_greeting_day(actor=self.request.user, day=instance)


class CareLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSetMixin,
                     viewsets.GenericViewSet):
    """What each plan sent, failed to send or skipped, for customers in the caller's scope. Read-only."""

    queryset = CareLog.objects.all()
    serializer_class = CareLogSerializer
    filterset_class = CareLogFilterSet
    ordering_fields = ["occasion_date", "sent_at", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("plan", "contact", "customer")
