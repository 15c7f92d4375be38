"""One FilterSet per model, shared by the list page and the API list."""

import django_filters

from crm.core.filtersets import BoundedFilterSet
from crm.testing_app.models import Deal, Project


class ProjectFilterSet(BoundedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Project
        fields = ["name", "status"]


class DealFilterSet(BoundedFilterSet):
    class Meta:
        model = Deal
        fields = ["customer", "account"]
