import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Department, User
from crm.core.filtersets import FilterSet, IndexedSearchFilter
from crm.customers.models import Contact, Customer, Tag
from crm.customers.pool_preview import POOL_PREVIEW_FIELDS
from crm.system.dictionaries import dictionary_choices


class CustomerFilterSet(FilterSet):
    """Shared by the customer list page, its exports and GET /api/v1/customers/."""

    # The search index: name, pinyin, initials, number, and phone and e-mail for those who may search by them.
    q = IndexedSearchFilter(label=_("Search"))
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
    method_reads = {"no_follow_up_since": ("last_follow_up_at",), "in_pool": ("owner", "pool_entered_at")}
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

    def filter_no_follow_up_since(self, queryset, name, value):
        return queryset.filter(Q(last_follow_up_at__date__lt=value) | Q(last_follow_up_at__isnull=True))

    def filter_in_pool(self, queryset, name, value):
        pool = Q(owner__isnull=True, pool_entered_at__isnull=False)
        return queryset.filter(pool) if value else queryset.exclude(pool)


class PoolFilterSet(FilterSet):
    """Filters of the pool list and GET /api/v1/pool/."""

    # What the pool shows before a claim, no more: no phone or e-mail (crm.customers.services.pool).
    q = IndexedSearchFilter(label=_("Search"), fields=POOL_PREVIEW_FIELDS)
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


class ContactFilterSet(FilterSet):
    """GET /api/v1/contacts/: by customer, primary, consent, and exactly by mobile or e-mail through their blind
    indexes — the latter two only for roles that may unmask them (``restrict_filterset``: the filters are on the
    masked fields ``mobile`` and ``email``)."""

    phone = django_filters.CharFilter(field_name="mobile", method="filter_phone", label=_("Mobile"))
    email = django_filters.CharFilter(field_name="email", method="filter_email", label=_("E-mail"))

    class Meta:
        model = Contact
        fields = ["customer", "is_primary", "consent_given"]

    def filter_phone(self, queryset, name, value):
        return queryset.find_by_phone(value)

    def filter_email(self, queryset, name, value):
        return queryset.find_by_email(value)
