from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views import generic

from crm.core.timeline import timeline_page
from crm.core.views import (
    ModulePermissionMixin,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
    ServiceFormMixin,
)
from crm.customers import services
from crm.customers.filtersets import CustomerFilterSet
from crm.customers.forms import ActivityForm, ContactForm, CustomerForm
from crm.customers.models import Contact, Customer

LIST_COLUMNS = ["name", "kind", "phone", "industry", "level"]
SORTABLE = {"name", "-name", "updated_at", "-updated_at", "created_at", "-created_at", "level", "-level"}


class CustomerListView(ScopedListView):
    model = Customer
    filterset_class = CustomerFilterSet
    template_name = "customers/customer_list.html"

    def get_queryset(self):
        queryset = super().get_queryset().select_related("owner", "department")
        if (sort := self.request.GET.get("sort", "")) in SORTABLE:
            queryset = queryset.order_by(sort, "-id")
        return queryset

    def get_context_data(self, **kwargs):
        from crm.core.fieldperms import hidden_fields

        hidden = hidden_fields(self.request.user, Customer)
        columns = [(name, Customer._meta.get_field(name).verbose_name) for name in LIST_COLUMNS
                   if name not in hidden]
        return {**super().get_context_data(**kwargs), "columns": columns,
                "can_create": self.request.user.has_module_perm("customers", "create")}


class CustomerDetailView(ScopedDetailView):
    model = Customer
    template_name = "customers/customer_detail.html"
    detail_fields = ["name", "kind", "phone", "email", "industry", "source", "level", "address", "owner",
                     "department", "remark", "created_at", "updated_at"]

    def get_context_data(self, **kwargs):
        entries, cursor = timeline_page(self.object, self.request.user)
        return {**super().get_context_data(**kwargs), "entries": entries, "cursor": cursor,
                "contacts": self.object.contacts.all(),
                "can_unmask": self.request.user.has_module_perm("customers", "unmask")}


class CustomerCreateView(ScopedCreateView):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_initial(self):
        return {"owner": self.request.user}

    def create(self, data):
        return services.create_customer(actor=self.request.user, data=data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class CustomerUpdateView(ScopedUpdateView):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def update(self, instance, data):
        return services.update_customer(actor=self.request.user, customer=instance, data=data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class CustomerDeleteView(ScopedQuerysetMixin, generic.DeleteView):
    model = Customer
    action = "delete"
    template_name = "customers/customer_confirm_delete.html"
    success_url = reverse_lazy("customers:list")

    def form_valid(self, form):
        services.delete_customer(actor=self.request.user, customer=self.object)
        messages.success(self.request, _("Customer deleted."))
        return HttpResponseRedirect(reverse("customers:list"))


class ContactFormMixin(ServiceFormMixin, ModulePermissionMixin):
    module = "customers"
    form_class = ContactForm
    template_name = "customers/contact_form.html"

    def get_success_url(self):
        return self.object.customer.get_absolute_url()


class ContactCreateView(ContactFormMixin, generic.CreateView):
    action = "edit"  # adding a contact edits the customer

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.customer = get_object_or_404(Customer.objects.visible_to(request.user, "edit"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return services.create_contact(actor=self.request.user, customer=self.customer, data=form.cleaned_data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer}


class ContactUpdateView(ContactFormMixin, generic.UpdateView):
    action = "edit"

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user, "edit").select_related("customer")

    def get_initial(self):
        # Without the unmask right the form must not carry the plain values: the fields start masked-empty.
        return {}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.has_module_perm("customers", "unmask"):
            for name in Contact.SENSITIVE_FIELDS:
                form.fields.pop(name)
        return form

    def perform(self, form):
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        return services.update_contact(actor=self.request.user, contact=self.get_object(), data=changed)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.object.customer}


class ContactRevealView(ModulePermissionMixin, generic.View):
    """htmx: swaps a contact's masked values for the real ones; the service writes the audit row."""

    module = "customers"
    action = "unmask"

    def get(self, request, pk):
        contact = get_object_or_404(Contact.objects.visible_to(request.user, "unmask"), pk=pk)
        values = services.reveal_contact(actor=request.user, contact=contact)
        return render(request, "customers/_contact_row.html", {"contact": contact, "revealed": values})


class ActivityCreateView(ServiceFormMixin, ModulePermissionMixin, generic.CreateView):
    """Log a follow-up from the customer page."""

    module = "customers"
    action = "edit"
    form_class = ActivityForm
    template_name = "customers/activity_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.customer = get_object_or_404(Customer.objects.visible_to(request.user, "edit"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.customer}

    def perform(self, form):
        return services.log_activity(actor=self.request.user, customer=self.customer, data=form.cleaned_data)

    def get_success_url(self):
        return self.customer.get_absolute_url()

    def get_success_message(self) -> str:
        return _("Follow-up logged.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer}


class TimelineView(ScopedQuerysetMixin, generic.DetailView):
    """htmx: one page of a customer's timeline, older than ?before=."""

    model = Customer
    template_name = "customers/_timeline.html"

    def get_context_data(self, **kwargs):
        before = parse_datetime(self.request.GET.get("before", "") or "") or None
        entries, cursor = timeline_page(self.object, self.request.user, before=before)
        return {**super().get_context_data(**kwargs), "entries": entries, "cursor": cursor}


class DueFollowUpListView(ModulePermissionMixin, generic.ListView):
    """The signed-in rep's customers whose next follow-up is due today or overdue."""

    module = "customers"
    template_name = "customers/due_list.html"
    paginate_by = 50

    def get_queryset(self):
        end_of_today = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=999999)
        return (Customer.objects.visible_to(self.request.user)
                .filter(owner=self.request.user, next_follow_up_at__lte=end_of_today)
                .order_by("next_follow_up_at", "id"))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "now": timezone.now()}
