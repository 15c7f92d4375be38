from rest_framework import serializers

from crm.core.api.views import FieldPermissionSerializerMixin
from crm.testing_app.models import Deal, Milestone, Project


class ProjectSerializer(FieldPermissionSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "number", "name", "status", "budget", "owner", "department", "version", "created_at",
                  "updated_at"]
        read_only_fields = ["number", "owner", "department"]


class MilestoneSerializer(FieldPermissionSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "project", "title"]
        read_only_fields = ["project"]


class DealSerializer(FieldPermissionSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Deal
        fields = ["id", "name", "notes", "customer", "account", "owner", "version"]
        read_only_fields = ["customer", "account", "owner"]
