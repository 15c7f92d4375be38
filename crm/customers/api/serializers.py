from rest_framework import serializers

from crm.core.api.views import FieldPermissionSerializerMixin
from crm.customers.models import Customer


class CustomerSerializer(FieldPermissionSerializerMixin, serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.__str__", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = ["id", "name", "kind", "phone", "email", "industry", "source", "level", "address", "remark",
                  "owner", "owner_name", "department", "department_name", "created_at", "updated_at"]
        read_only_fields = ["department", "created_at", "updated_at"]
