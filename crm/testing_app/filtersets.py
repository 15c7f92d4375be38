"""One FilterSet per model, shared by the list page and the API list."""

import django_filters

from crm.core.filtersets import FilterSet
from crm.testing_app.models import Deal, Project


class ProjectFilterSet(FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    # On a field a role may be denied (budget): the platform refuses it to such a role (crm/core/filtersets.py).
    budget_min = django_filters.NumberFilter(field_name="budget", lookup_expr="gte")

    class Meta:
        model = Project
        fields = ["name", "status"]


class DealFilterSet(FilterSet):
    class Meta:
        model = Deal
        fields = ["customer", "account"]
