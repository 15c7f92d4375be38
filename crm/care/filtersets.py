import django_filters
from django.utils.translation import gettext_lazy as _

from crm.care.models import CareLog, CarePlan, Occasion
from crm.core.filtersets import BoundedFilterSet


def _visible_plans(request):
    if request is None:
        return CarePlan.objects.none()
    return CarePlan.objects.visible_to(request.user, "view")


class CareLogFilterSet(BoundedFilterSet):
    """Shared by the send log page and GET /api/v1/care/log/."""

    plan = django_filters.ModelChoiceFilter(queryset=_visible_plans, label=_("Plan"), empty_label=_("Any plan"))
    occasion = django_filters.ChoiceFilter(choices=Occasion.choices, label=_("Occasion"),
                                           empty_label=_("Any occasion"))
    status = django_filters.ChoiceFilter(choices=CareLog.Status.choices, label=_("Status"),
                                         empty_label=_("Any status"))
    occasion_date = django_filters.DateFromToRangeFilter(label=_("Occasion date"))
    customer_name = django_filters.CharFilter(field_name="customer__name", lookup_expr="icontains", label=_("Customer"))

    class Meta:
        model = CareLog
        fields = ["plan", "occasion", "status", "occasion_date", "customer_name"]


class CarePlanFilterSet(BoundedFilterSet):
    """Shared by the plan list page and GET /api/v1/care/plans/."""

    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    occasion = django_filters.ChoiceFilter(choices=Occasion.choices, label=_("Occasion"),
                                           empty_label=_("Any occasion"))
    is_active = django_filters.ChoiceFilter(choices=[("true", _("Active")), ("false", _("Inactive"))],
                                            method="filter_is_active", label=_("Active"),
                                            empty_label=_("Active or not"))

    class Meta:
        model = CarePlan
        fields = ["q", "occasion", "is_active"]

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")
