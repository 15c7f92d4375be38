"""The suite's module's API: the platform's scoped viewset; every write calls a service."""

from crm.core.api.exports import ExportActionMixin
from crm.core.api.views import ScopedModelViewSet
from crm.testing_app import services
from crm.testing_app.api.serializers import DealSerializer, MilestoneSerializer, ProjectSerializer
from crm.testing_app.exports import PROJECT_EXPORT
from crm.testing_app.filtersets import DealFilterSet, ProjectFilterSet
from crm.testing_app.models import Deal, Milestone, Project


class ProjectViewSet(ExportActionMixin, ScopedModelViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    # budget: a field a role may be denied, so the platform must drop it for such a role.
    ordering_fields = ["name", "budget", "updated_at"]
    export_spec = PROJECT_EXPORT
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def perform_update(self, serializer):
        serializer.instance = services.update_project(actor=self.request.user, project=serializer.instance,
                                                      data=dict(serializer.validated_data))

    def perform_destroy(self, instance):
        services.delete_project(actor=self.request.user, project=instance)


class MilestoneViewSet(ScopedModelViewSet):
    queryset = Milestone.objects.all()
    serializer_class = MilestoneSerializer
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("id")


class DealViewSet(ScopedModelViewSet):
    queryset = Deal.objects.all()
    serializer_class = DealSerializer
    filterset_class = DealFilterSet
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def perform_update(self, serializer):
        serializer.instance = services.update_deal(actor=self.request.user, deal=serializer.instance,
                                                   data=dict(serializer.validated_data))

    def perform_destroy(self, instance):
        services.delete_deal(actor=self.request.user, deal=instance)
