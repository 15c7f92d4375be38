from rest_framework import mixins, serializers, viewsets

from crm.audit.filtersets import AuditEventFilterSet
from crm.audit.models import AuditEvent
from crm.core.api.views import ModuleActionPermission, UserLanguageMixin


class AuditEventSerializer(serializers.ModelSerializer):
    record_type = serializers.CharField(source="content_type.model", default=None, read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "actor_name", "action", "record_type", "object_id", "object_repr",
                  "changes", "message", "ip_address", "request_id"]


class AuditEventViewSet(UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Read-only audit trail for administrators (system.view)."""

    queryset = AuditEvent.objects.select_related("content_type")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    permission_classes = [ModuleActionPermission]
    ordering_fields = ["created_at"]
    search_fields = ["object_repr", "message", "actor_name"]

    def get_module(self) -> str:
        return "system"

    def required_action(self) -> str:
        return "view"
