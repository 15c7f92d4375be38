import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.audit.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    """Shared by the audit viewer page and GET /api/v1/audit-events/."""

    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("User"))
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices, label=_("Action"))
    content_type = django_filters.ModelChoiceFilter(
        queryset=ContentType.objects.filter(app_label__in=["accounts", "customers", "system", "notifications"]),
        label=_("Record type"))
    object_id = django_filters.CharFilter(label=_("Record id"))
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "content_type", "object_id"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(message__icontains=value)
                               | Q(actor_name__icontains=value))
