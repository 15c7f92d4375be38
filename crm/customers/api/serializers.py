from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.accounts.models import User
from crm.core.api.fields import id_list
from crm.core.api.serializers import PlainColumnsMixin
from crm.core.api.views import FieldPermissionSerializerMixin
from crm.core.concurrency import SetChange
from crm.customers.models import Activity, Contact, Customer
from crm.customers.services.bulk import BULK_ACTIONS, MAX_SELECTION


class TagNamesField(serializers.ListField):
    """Tags read and written by name; unknown names create the tag."""

    child = serializers.CharField(max_length=50)
    many_values = True  # a list page loads the names of all its rows' tags at once (load_many_values)

    def to_representation(self, manager):
        return [tag.name for tag in manager.all()]

    def to_internal_value(self, data):
        return [name.strip() for name in super().to_internal_value(data) if name.strip()]


class CustomerSerializer(FieldPermissionSerializerMixin, PlainColumnsMixin, serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    tags = TagNamesField(required=False, max_length=50)
    collaborators = serializers.PrimaryKeyRelatedField(many=True, required=False,
                                                       queryset=User.objects.filter(is_active=True))
    in_pool = serializers.BooleanField(read_only=True)
    # Changes of the sets that need no knowledge of the rest of them (docs/api.md, "No lost update").
    add_tags = TagNamesField(required=False, max_length=50, write_only=True)
    remove_tags = TagNamesField(required=False, max_length=50, write_only=True)
    add_collaborators = serializers.PrimaryKeyRelatedField(many=True, required=False, write_only=True,
                                                           queryset=User.objects.filter(is_active=True))
    remove_collaborators = serializers.PrimaryKeyRelatedField(many=True, required=False, write_only=True,
                                                              queryset=User.objects.all())
    SET_CHANGES = {"tags": ("add_tags", "remove_tags"), "collaborators": ("add_collaborators", "remove_collaborators")}

    class Meta:
        model = Customer
        fields = ["id", "number", "name", "kind", "customer_type", "phone", "phone_extension", "email", "industry",
                  "scale", "source", "level", "credit_rating", "city", "address", "remark",
                  "credit_code", "tax_number", "invoice_address", "invoice_phone", "bank_name", "bank_account",
                  "tags", "owner", "owner_name", "collaborators", "department", "department_name",
                  "lifecycle_stage", "lifecycle_locked", "first_order_at", "last_order_at", "last_follow_up_at",
                  "next_follow_up_at", "in_pool", "version", "created_at", "updated_at",
                  "add_tags", "remove_tags", "add_collaborators", "remove_collaborators"]
        # The number comes from the number sequence (or an import) and never changes afterwards.
        read_only_fields = ["number", "department", "lifecycle_locked", "created_at", "updated_at"]

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            for name, changes in self.SET_CHANGES.items():
                sent = [change for change in changes if change in data]
                if sent and (name not in self.fields or self.fields[name].read_only):
                    raise serializers.ValidationError({change: [_("You may not change this field.")]
                                                       for change in sent})
                if sent and name in data:
                    raise serializers.ValidationError({name: [_(
                        "Send either the whole list or what to add and remove, not both.")]})
        attrs = super().to_internal_value(data)
        for name, (add, remove) in self.SET_CHANGES.items():
            if add in attrs or remove in attrs:
                attrs[name] = SetChange(add=tuple(attrs.pop(add, ())), remove=tuple(attrs.pop(remove, ())))
        return attrs

    @extend_schema_field(OpenApiTypes.STR)
    def get_owner_name(self, customer) -> str | None:
        return str(customer.owner) if customer.owner_id else None


class DeletedCustomerSerializer(serializers.ModelSerializer):
    deleted_by_name = serializers.StringRelatedField(source="deleted_by")

    class Meta:
        model = Customer
        fields = ["id", "name", "owner", "department", "deleted_at", "deleted_by", "deleted_by_name",
                  "merged_into"]


class CustomerBulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(BULK_ACTIONS))
    ids = id_list(min_length=1, max_length=MAX_SELECTION)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                               allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=50)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                   help_text=_("Why the customers go back to the pool (action \"pool\")."))


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.DictField())


class ContactSerializer(serializers.ModelSerializer):
    """Sensitive values are masked here; GET /api/v1/contacts/{id}/sensitive/ reveals them (audited)."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "gender", "mobile", "phone_extension", "email", "id_number",
                  "birthday", "is_primary", "consent_given", "consent_source", "consent_at", "remark", "version",
                  "created_at",
                  "updated_at"]
        read_only_fields = ["created_at", "updated_at"]  # consent_at: see apply_consent_rules()

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
    created_by_name = serializers.StringRelatedField(source="created_by")

    class Meta:
        model = Activity
        fields = ["id", "customer", "contact", "kind", "kind_label", "subject", "content", "occurred_at",
                  "next_follow_up_at", "created_by", "created_by_name", "version", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"occurred_at": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["customer"].queryset = Customer.objects.visible_to(request.user, "edit")
