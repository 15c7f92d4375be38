import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Department, User
from crm.core.filtersets import BoundedFilterSet
from crm.core.fulltext import search_list
from crm.customers.models import Customer, Tag
from crm.system.dictionaries import dictionary_choices


def search_in_list(queryset, value: str):
    """A list's search box, answered by the search index (name, pinyin, initials, phone, e-mail) rather than a
    scan (``search_list``)."""
    if not value.strip():
        return queryset
    return search_list(queryset, value)


class CustomerFilterSet(BoundedFilterSet):
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
    # Within the caller's own scope (a manager sees their departments' pool customers here); the whole pool is
    # the pool page and /api/v1/pool/.
    in_pool = django_filters.BooleanFilter(method="filter_in_pool", label=_("In the public pool"))
    lifecycle_locked = django_filters.BooleanFilter(label=_("Stage set by hand"))
    kind = django_filters.ChoiceFilter(choices=Customer.Kind.choices, label=_("Kind"), empty_label=_("Any kind"))
    lifecycle_stage = django_filters.ChoiceFilter(choices=Customer.Stage.choices, label=_("Lifecycle stage"),
                                                  empty_label=_("Any stage"))
    customer_type = django_filters.ChoiceFilter(label=_("Customer type"), empty_label=_("Any type"))
    industry = django_filters.ChoiceFilter(label=_("Industry"), empty_label=_("Any industry"))
    scale = django_filters.ChoiceFilter(label=_("Company size"), empty_label=_("Any size"))
    source = django_filters.ChoiceFilter(label=_("Source"), empty_label=_("Any source"))
    level = django_filters.ChoiceFilter(label=_("Level"), empty_label=_("Any level"))
    credit_rating = django_filters.ChoiceFilter(label=_("Credit rating"), empty_label=_("Any rating"))
    DICTIONARY_FILTERS = {"customer_type": "customer_type", "industry": "industry", "scale": "company_scale",
                          "source": "source", "level": "customer_level", "credit_rating": "credit_rating"}

    class Meta:
        model = Customer
        fields = ["kind", "customer_type", "industry", "scale", "source", "level", "credit_rating", "city",
                  "lifecycle_stage", "owner", "department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Picklists are read per request (administrators edit them); retired codes still find old records.
        for name, kind in self.DICTIONARY_FILTERS.items():
            self.filters[name].extra["choices"] = dictionary_choices(kind, include_inactive=True)

    def filter_q(self, queryset, name, value):
        return search_in_list(queryset, value)

    def filter_no_follow_up_since(self, queryset, name, value):
        return queryset.filter(Q(last_follow_up_at__date__lt=value) | Q(last_follow_up_at__isnull=True))

    def filter_in_pool(self, queryset, name, value):
        pool = Q(owner__isnull=True, pool_entered_at__isnull=False)
        return queryset.filter(pool) if value else queryset.exclude(pool)


class PoolFilterSet(BoundedFilterSet):
    """Filters of the pool list and GET /api/v1/pool/."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    level = django_filters.ChoiceFilter(label=_("Level"), empty_label=_("Any level"))
    industry = django_filters.ChoiceFilter(label=_("Industry"), empty_label=_("Any industry"))

    class Meta:
        model = Customer
        fields = ["q", "level", "industry"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Picklists are read per request: administrators edit them at run time.
        self.filters["level"].extra["choices"] = dictionary_choices("customer_level")
        self.filters["industry"].extra["choices"] = dictionary_choices("industry")

    def filter_q(self, queryset, name, value):
        return search_in_list(queryset, value)
