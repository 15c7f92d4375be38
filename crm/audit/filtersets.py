import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.audit.registry import action_choices, record_type_queryset
from crm.core.filtersets import FilterSet


class AuditEventFilterSet(FilterSet):
    """Shared by the audit viewer page and GET /api/v1/audit-events/."""

    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("User"))
    # Both lists are what the modules registered (crm.audit.registry), read per request.
    action = django_filters.ChoiceFilter(choices=action_choices, label=_("Action"))
    content_type = django_filters.ModelChoiceFilter(queryset=record_type_queryset, label=_("Record type"))
    object_id = django_filters.CharFilter(label=_("Record id"))
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))
    q = django_filters.CharFilter(method="filter_text", label=_("Text"))
    method_reads = {"q": ("object_repr", "message", "actor_name")}

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "content_type", "object_id"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(message__icontains=value)
                               | Q(actor_name__icontains=value))
