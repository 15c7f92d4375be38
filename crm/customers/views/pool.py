"""Pages of the public pool (公海) and the lifecycle stage: the pool list and its read-only 360° page, claim,
assign, release with a reason, "returning to the pool soon", stage by hand, and the rules for administrators.
Each view checks a permission, fetches through the scope (visible_to, with the "pool" action for the pool) and
calls one service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import date as date_filter
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from crm.accounts.models import User
from crm.core.errors import DomainError
from crm.core.filtersets import restrict_filterset
from crm.core.parsing import parse_datetime_param, parse_id
from crm.core.views import ModulePermissionMixin, ScopedListView, ScopedQuerysetMixin, ServiceFormMixin, printed
from crm.customers.filtersets import PoolFilterSet
from crm.customers.models import Customer, LifecyclePolicy, PoolMovement, PoolRule
from crm.customers.pool_preview import POOL_PREVIEW_FIELDS, preview_fields, preview_timeline
from crm.customers.services import lifecycle, pool
from crm.customers.views import CustomerDetailView
from crm.system.dictionaries import dictionary_choices, dictionary_label


class PoolListView(ScopedListView):
    """Customers in the public pool, newest arrivals first; a claim button on each. Columns, sorting and saved
    views come from ScopedListView."""

    model = Customer
    action = "pool"
    filterset_class = PoolFilterSet
    template_name = "customers/pool/pool_list.html"
    list_key = "customers.pool"
    # Only what the pool shows before a claim (crm/customers/pool_preview.py).
    columns = list(POOL_PREVIEW_FIELDS)
    default_columns = ["name", "level", "industry", "department", "last_follow_up_at", "pool_entered_at"]
    card_columns = ["level", "industry", "last_follow_up_at", "pool_entered_at"]
    sortable = {"name", "level", "last_follow_up_at", "pool_entered_at", "created_at"}
    default_sort = "-pool_entered_at"
    # The pool's headers as before the columns became choosable.
    column_labels = {"last_follow_up_at": gettext_lazy("Last follow-up"),
                     "pool_entered_at": gettext_lazy("In the pool since")}

    def get_queryset(self):
        self.filterset = restrict_filterset(PoolFilterSet(
            self.request.GET or None, request=self.request,
            queryset=Customer.objects.in_pool().visible_to(self.request.user, "pool")
        ), self.request.user)
        queryset = (
            self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else self.filterset.queryset
        )
        return queryset.select_related("department").order_by(*self.get_ordering())

    def render_cell(self, customer, name):
        if name == "name":
            return format_html('<a href="{}">{}</a>', reverse("customers:pool_detail", args=[customer.pk]),
                               customer.name)
        if name == "department":
            return printed(customer.department or "")
        if name == "last_follow_up_at":
            when = customer.last_follow_up_at
            return date_filter(template_localtime(when), "Y-m-d") if when else "—"
        if name in ("pool_entered_at", "created_at"):
            return printed(date_filter(template_localtime(getattr(customer, name)), "Y-m-d H:i"))
        return super().render_cell(customer, name)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "claimed": pool.claimed_count(user),
            "limit": pool.claim_limit(user),
        }


class PoolCustomerDetailView(CustomerDetailView):
    """The 360° page of a pool customer, read-only until someone claims it: the pool's field list and timeline
    (crm/customers/pool_preview.py), no contacts."""

    action = "pool"

    @property
    def detail_fields(self):  # type: ignore[override]
        return preview_fields(self.request.user)

    def get_queryset(self):
        return Customer.objects.in_pool().visible_to(self.request.user, "pool")

    def get_page_flags(self) -> dict:
        return {"can_edit": False, "can_delete": False, "can_unmask": False, "pool_preview": True}

    def timeline(self):
        return preview_timeline(self.object, self.request.user)


class PoolTimelineView(ScopedQuerysetMixin, generic.DetailView):
    """htmx: one older page of a pool customer's preview timeline (``?before=``)."""

    model = Customer
    action = "pool"
    template_name = "customers/_timeline.html"

    def get_queryset(self):
        return Customer.objects.in_pool().visible_to(self.request.user, "pool")

    def get_context_data(self, **kwargs):
        before = parse_datetime_param(self.request.GET.get("before"))
        entries, cursor = preview_timeline(self.object, self.request.user, before=before)
        return {**super().get_context_data(**kwargs), "entries": entries, "cursor": cursor, "pool_preview": True}


def _pool_customer(request, pk: int) -> Customer:
    return get_object_or_404(Customer.objects.in_pool().visible_to(request.user, "pool"), pk=pk)


class ClaimView(ModulePermissionMixin, generic.View):
    module = "customers"
    action = "pool"

    def post(self, request, pk):
        customer = _pool_customer(request, pk)
        try:
            pool.claim_from_pool(actor=request.user, customer=customer)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("customers:pool"))
        messages.success(request, _("%(customer)s is now yours.") % {"customer": customer.name})
        return HttpResponseRedirect(customer.get_absolute_url())


class AssignFromPoolView(ModulePermissionMixin, generic.View):
    module = "customers"
    action = "assign"

    def post(self, request, pk):
        customer = _pool_customer(request, pk)
        owner_id = parse_id(request.POST.get("owner"))
        owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
        try:
            if owner is None:
                raise DomainError(_("Choose the new owner."), field="owner")
            pool.assign_from_pool(actor=request.user, customer=customer, owner=owner)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("customers:pool_detail", args=[pk]))
        messages.success(
            request, _("%(customer)s is now owned by %(owner)s.") % {"customer": customer.name, "owner": owner}
        )
        return HttpResponseRedirect(reverse("customers:pool"))


class ReleaseView(ModulePermissionMixin, generic.View):
    """The release dialog on the customer page posts here."""

    module = "customers"

    def post(self, request, pk):
        customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
        try:
            pool.release_to_pool(actor=request.user, customer=customer, reason=request.POST.get("reason", ""))
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(customer.get_absolute_url())
        messages.success(request, _("%(customer)s went back to the public pool.") % {"customer": customer.name})
        return HttpResponseRedirect(reverse("customers:list"))


class ReturningSoonListView(ModulePermissionMixin, generic.TemplateView):
    """The signed-in user's customers that the pool rule will take back soon, soonest first."""

    module = "customers"
    template_name = "customers/pool/returning_list.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        returning = pool.customers_returning_soon(self.request.user, now, limit=pool.RETURNING_SHOWN)
        return {
            **super().get_context_data(**kwargs),
            "now": now,
            "returning": returning[: pool.RETURNING_SHOWN],
            "more_returning": len(returning) > pool.RETURNING_SHOWN,
        }


class LifecycleStageView(ModulePermissionMixin, generic.View):
    """POST stage=<code> sets the stage by hand (and locks it); POST unlock=1 hands it back to the schedule."""

    module = "customers"
    action = "edit"

    def post(self, request, pk):
        customer = get_object_or_404(Customer.objects.visible_to(request.user, "edit"), pk=pk)
        try:
            if request.POST.get("unlock"):
                lifecycle.unlock_stage(actor=request.user, customer=customer)
                messages.success(request, _("The stage is computed automatically again."))
            else:
                lifecycle.set_stage_by_hand(actor=request.user, customer=customer, stage=request.POST.get("stage", ""))
                messages.success(request, _("Stage set by hand."))
        except DomainError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(customer.get_absolute_url())


# --- Administrators: pool rules and lifecycle thresholds -----------------------------------------------------


class PoolRuleForm(forms.ModelForm):
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)

    class Meta:
        model = PoolRule
        fields = ["level", "days", "warn_days", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            ("", _("Any other level (default rule)")),
            *dictionary_choices("customer_level"),
        ]


class LifecyclePolicyForm(forms.ModelForm):
    class Meta:
        model = LifecyclePolicy
        fields = ["new_days", "active_days", "lost_days"]


class SystemAdminMixin(ModulePermissionMixin):
    module = "system"


class PoolRulesView(SystemAdminMixin, generic.ListView):
    """Pool rules and the lifecycle thresholds on one page."""

    template_name = "customers/pool/rules.html"

    def get_queryset(self):
        rules = list(PoolRule.objects.all())
        for rule in rules:
            rule.level_label = dictionary_label("customer_level", rule.level)
        return rules

    def movements(self):
        """The latest movements of customers the user may see (their data scope): the rules page is open to
        every system.view holder, whose scope may be their own customers only."""
        visible = Customer.objects.visible_to(self.request.user)
        return (PoolMovement.objects.filter(Exists(visible.filter(pk=OuterRef("customer_id"))))
                .select_related("customer", "actor", "previous_owner")[:20])

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "policy": LifecyclePolicy.current(),
            "can_edit": self.request.user.has_module_perm("system", "edit"),
            "movements": self.movements(),
        }


class PoolRuleFormView(SystemAdminMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    model = PoolRule
    form_class = PoolRuleForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("customers:pool_rules")

    def get_object(self, queryset=None):
        return get_object_or_404(PoolRule, pk=self.kwargs["pk"]) if "pk" in self.kwargs else None

    def perform(self, form):
        return pool.save_pool_rule(actor=self.request.user, data=form.cleaned_data, rule=self.get_object())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Pool rule")
        if self.object:
            context["delete_url"] = reverse("customers:pool_rule_delete", args=[self.object.pk])
        return context


class PoolRuleDeleteView(SystemAdminMixin, generic.View):
    action = "edit"

    def post(self, request, pk):
        pool.delete_pool_rule(actor=request.user, rule=get_object_or_404(PoolRule, pk=pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(reverse("customers:pool_rules"))


class LifecyclePolicyView(SystemAdminMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    form_class = LifecyclePolicyForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("customers:pool_rules")

    def get_object(self, queryset=None):
        return LifecyclePolicy.objects.get(pk=LifecyclePolicy.current().pk)

    def perform(self, form):
        return lifecycle.update_lifecycle_policy(actor=self.request.user, data=form.cleaned_data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Lifecycle thresholds")}
