import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Department, User
from crm.customers.models import Customer, Tag


class CustomerFilterSet(django_filters.FilterSet):
    """Shared by the customer list page, its exports and GET /api/v1/customers/."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    tag = django_filters.ModelMultipleChoiceFilter(field_name="tags__name", to_field_name="name",
                                                   queryset=Tag.objects.all(), label=_("Tags"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Owner"))
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("Department"))
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label=_("Created"))
    last_follow_up = django_filters.DateFromToRangeFilter(field_name="last_follow_up_at",
                                                          label=_("Last follow-up"))
    no_follow_up_since = django_filters.DateFilter(method="filter_no_follow_up_since",
                                                   label=_("No follow-up since"))

    class Meta:
        model = Customer
        fields = ["kind", "industry", "source", "level", "lifecycle_stage", "owner", "department"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset

    def filter_no_follow_up_since(self, queryset, name, value):
        return queryset.filter(Q(last_follow_up_at__date__lt=value) | Q(last_follow_up_at__isnull=True))
