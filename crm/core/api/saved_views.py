from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rest_framework import mixins, permissions, serializers, viewsets

from crm.core import services
from crm.core.api.views import UserLanguageMixin
from crm.core.models import SavedView

if TYPE_CHECKING:
    from crm.accounts.models import User


class SavedViewSerializer(serializers.ModelSerializer):
    columns = serializers.ListField(child=serializers.CharField(max_length=50), max_length=50, required=False,
                                    default=list)

    class Meta:
        model = SavedView
        fields = ["id", "list_key", "name", "query", "columns", "is_default", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # A view of no filters has an empty query; left out (a multipart form without it) it is that.
        extra_kwargs = {"query": {"required": False, "default": ""}}
        # Names are unique per user and list: saving under an existing name replaces that view.
        validators: list[Any] = []


class SavedViewViewSet(UserLanguageMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                       mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own saved list views (filters, sort and columns), e.g. ?list_key=customers."""

    serializer_class = SavedViewSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["list_key"]
    queryset = SavedView.objects.none()

    def get_queryset(self):
        return SavedView.objects.filter(user=cast("User", self.request.user))  # IsAuthenticated

    def perform_create(self, serializer):
        serializer.instance = services.save_view(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_view(actor=self.request.user, view=instance)
