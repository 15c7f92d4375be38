from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from crm.care import services
from crm.care.filtersets import CareLogFilterSet, CarePlanFilterSet
from crm.care.forms import CarePlanForm, GreetingDayForm
from crm.care.models import CareLog, CarePlan, GreetingDay
from crm.core.errors import DomainError
from crm.core.forms import changed_values
from crm.core.parsing import parse_id, parse_int
from crm.core.views import (
    ModulePermissionMixin,
    ScopedCreateView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
    ServiceFormMixin,
)
from crm.customers.models import Contact

PREVIEW_CONTACT_CHOICES = 20


class CarePlanListView(ScopedListView):
    model = CarePlan
    filterset_class = CarePlanFilterSet
    template_name = "care/plan_list.html"

    def get_queryset(self):
        return (super().get_queryset().select_related("owner").prefetch_related("greeting_days")
                .annotate(sent_count=Count("logs", filter=Q(logs__status=CareLog.Status.SENT))).order_by("name", "id"))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "can_create": self.request.user.has_module_perm("care", "create")}


class CarePlanCreateView(ScopedCreateView):
    model = CarePlan
    form_class = CarePlanForm
    template_name = "care/plan_form.html"

    def get_initial(self):
        return {"subject_template": _("Happy birthday, {{ contact.name }}!"),
                "body_template": _("Dear {{ contact.name }},\n\nAll of us at {{ company }} wish you a happy "
                                   "birthday!\n\n{{ company }}")}

    def create(self, data):
        return services.create_care_plan(actor=self.request.user, data=data)

    def get_success_url(self):
        return reverse("care:plan_preview", args=[self.object.pk])


class CarePlanUpdateView(ScopedUpdateView):
    model = CarePlan
    form_class = CarePlanForm
    template_name = "care/plan_form.html"

    def update(self, instance, data):
        return services.update_care_plan(actor=self.request.user, plan=instance, data=data)

    def get_success_url(self):
        return reverse("care:plan_preview", args=[self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_module_perm("care", "delete"):
            context["delete_url"] = reverse("care:plan_delete", args=[self.object.pk])
        return context


class CarePlanDeleteView(ScopedQuerysetMixin, generic.View):
    model = CarePlan
    action = "delete"

    def post(self, request, pk):
        plan = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            services.delete_care_plan(actor=request.user, plan=plan)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("care:plan_edit", args=[pk]))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(reverse("care:plans"))


class CarePlanPreviewView(ScopedQuerysetMixin, generic.DetailView):
    """The plan's greeting rendered for a contact the user picks (by name), or for sample values."""

    model = CarePlan
    template_name = "care/plan_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contacts = Contact.objects.visible_to(self.request.user, "view").filter(erased_at__isnull=True)
        query = self.request.GET.get("q", "").strip()[:100]
        contact = None
        if contact_id := self.request.GET.get("contact", ""):
            contact = get_object_or_404(contacts.select_related("customer"), pk=parse_id(contact_id) or 0)
        if query:
            # By name, or by pinyin and initials (search_text), as the global search finds people.
            matching = contacts.filter(Q(name__icontains=query) | Q(search_text__icontains=query.lower()))
            context["matches"] = list(matching.select_related("customer").order_by("name", "id")
                                      [:PREVIEW_CONTACT_CHOICES])
        try:
            greeting = services.preview_care_plan(self.object, contact)
        except DomainError as error:
            greeting = None
            messages.error(self.request, error.message)
        context.update(q=query, contact=contact, greeting=greeting,
                       can_edit=self.request.user.has_module_perm("care", "edit"))
        return context


class GreetingDayListView(ModulePermissionMixin, generic.ListView):
    module = "care"
    template_name = "care/greeting_day_list.html"
    paginate_by = 50

    def get_queryset(self):
        year = parse_int(self.request.GET.get("year"), min_value=1, max_value=9999)
        days = GreetingDay.objects.annotate(plan_count=Count("plans")).order_by("date", "name")
        return days.filter(date__year=year) if year else days

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "year": self.request.GET.get("year", ""),
                "years": GreetingDay.objects.dates("date", "year"),
                "can_create": self.request.user.has_module_perm("care", "create"),
                "can_edit": self.request.user.has_module_perm("care", "edit")}


class GreetingDayCreateView(ModulePermissionMixin, ServiceFormMixin, generic.CreateView):
    module = "care"
    action = "create"
    form_class = GreetingDayForm
    template_name = "accounts/form.html"

    def perform(self, form):
        return services.create_greeting_day(actor=self.request.user, data=form.cleaned_data)

    def get_success_url(self):
        return reverse("care:days")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New greeting day")}


class GreetingDayUpdateView(ModulePermissionMixin, ServiceFormMixin, generic.UpdateView):
    module = "care"
    action = "edit"
    model = GreetingDay
    form_class = GreetingDayForm
    template_name = "accounts/form.html"

    def perform(self, form):
        return services.update_greeting_day(actor=self.request.user, day=self.get_object(), data=changed_values(form))

    def get_success_url(self):
        return reverse("care:days")

    def get_context_data(self, **kwargs):
        context = {**super().get_context_data(**kwargs), "title": _("Edit greeting day")}
        if self.request.user.has_module_perm("care", "delete"):
            context["delete_url"] = reverse("care:day_delete", args=[self.object.pk])
        return context


class GreetingDayDeleteView(ModulePermissionMixin, generic.View):
    module = "care"
    action = "delete"

    def post(self, request, pk):
        services.delete_greeting_day(actor=request.user, day=get_object_or_404(GreetingDay, pk=pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(reverse("care:days"))


class CareLogListView(ScopedListView):
    """What was sent, failed or skipped, to whom (masked), in the user's data scope."""

    model = CareLog
    filterset_class = CareLogFilterSet
    template_name = "care/log_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("plan", "contact", "customer")
