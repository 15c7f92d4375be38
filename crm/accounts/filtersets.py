import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from crm.accounts.models import Department, Role, User
from crm.core.filtersets import FilterSet


class UserFilterSet(FilterSet):
    """Shared by the user list page and GET /api/v1/users/."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    method_reads = {"q": ("username", "name", "employee_no", "phone", "email")}
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label=_("Department"))
    role = django_filters.ModelChoiceFilter(field_name="roles", queryset=Role.objects.all(), label=_("Role"))
    # The page's select sends 1/0, API callers true/false; the widget reads both.
    active = django_filters.BooleanFilter(field_name="is_active", widget=BooleanWidget, label=_("Active"))

    class Meta:
        model = User
        fields = ["q", "department", "role", "active"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(name__icontains=value)
                               | Q(employee_no__icontains=value) | Q(phone__icontains=value)
                               | Q(email__icontains=value))
