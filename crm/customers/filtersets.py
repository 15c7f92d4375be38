import django_filters
from django.utils.translation import gettext_lazy as _

from crm.customers.models import Customer


class CustomerFilterSet(django_filters.FilterSet):
    """Shared by the customer list page and GET /api/v1/customers/."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))

    class Meta:
        model = Customer
        fields = ["kind", "industry", "source", "level", "owner", "department"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset
