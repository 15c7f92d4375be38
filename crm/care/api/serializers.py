from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.care.models import CareLog, CarePlan, GreetingDay
from crm.customers.models import Contact, Tag


class GreetingDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = GreetingDay
        fields = ["id", "name", "date", "calendar", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # (name, date) uniqueness is checked by the model's full_clean in the service


class CarePlanSerializer(serializers.ModelSerializer):
    greeting_days = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=GreetingDay.objects.all())
    tags = serializers.SlugRelatedField(many=True, required=False, slug_field="name", queryset=Tag.objects.all())
    levels = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=50)
    lifecycle_stages = serializers.ListField(child=serializers.CharField(max_length=20), required=False,
                                             max_length=10)
    owner_name = serializers.StringRelatedField(source="owner")

    class Meta:
        model = CarePlan
        fields = ["id", "name", "occasion", "greeting_days", "subject_template", "body_template", "levels",
                  "lifecycle_stages", "tags", "is_active", "owner", "owner_name", "department", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["owner", "department", "created_at", "updated_at"]


class CarePlanPreviewRequestSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none(), required=False, allow_null=True,
                                                 help_text=_("A contact you may see; sample values without one."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = (Contact.objects.visible_to(request.user, "view")
                                               .filter(erased_at__isnull=True).select_related("customer"))


class RenderedGreetingSerializer(serializers.Serializer):
    subject = serializers.CharField()
    text = serializers.CharField()
    html = serializers.CharField()


class CareLogSerializer(serializers.ModelSerializer):
    """``recipient`` is only ever the masked address: the log keeps nothing more."""

    plan_name = serializers.CharField(source="plan.name", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = CareLog
        fields = ["id", "plan", "plan_name", "contact", "contact_name", "customer", "customer_name", "occasion",
                  "occasion_date", "recipient", "status", "reason", "error", "attempts", "sent_at", "created_at"]
        read_only_fields = fields

