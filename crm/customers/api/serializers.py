from rest_framework import serializers

from crm.core.api.views import FieldPermissionSerializerMixin
from crm.customers.models import Activity, Contact, Customer


class CustomerSerializer(FieldPermissionSerializerMixin, serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.__str__", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = ["id", "name", "kind", "phone", "email", "industry", "source", "level", "address", "remark",
                  "owner", "owner_name", "department", "department_name", "created_at", "updated_at"]
        read_only_fields = ["department", "created_at", "updated_at"]


class ContactSerializer(serializers.ModelSerializer):
    """Sensitive values are masked here; GET /api/v1/contacts/{id}/sensitive/ reveals them (audited)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "gender", "mobile", "email", "id_number", "birthday",
                  "is_primary", "consent_given", "consent_source", "consent_at", "remark", "created_at",
                  "updated_at"]
        read_only_fields = ["consent_at", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Contacts can only be attached to customers the caller may edit.
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user, "edit")
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["customer"].read_only = True

    def to_representation(self, contact):
        data = super().to_representation(contact)
        for name in Contact.SENSITIVE_FIELDS:
            data[name] = contact.masked(name)
        return data


class ActivitySerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by.__str__", read_only=True, default=None)

    class Meta:
        model = Activity
        fields = ["id", "customer", "contact", "kind", "kind_label", "subject", "content", "occurred_at",
                  "next_follow_up_at", "created_by", "created_by_name", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"occurred_at": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user, "edit")
