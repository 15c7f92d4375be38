from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.core.api.views import UserLanguageMixin
from crm.notifications import services
from crm.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    # Worded in the caller's language (UserLanguageMixin), not the language of whoever caused the notification.
    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "level", "created_at", "read_at"]


class NotificationViewSet(UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """The caller's own notifications; nobody sees anyone else's."""

    serializer_class = NotificationSerializer
    filterset_fields = ["level"]

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.mark_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.mark_all_read(actor=request.user)})
