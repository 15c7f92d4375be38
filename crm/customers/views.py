from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import generic

from crm.audit.services import history_for
from crm.core.views import (
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
)
from crm.customers import services
from crm.customers.filtersets import CustomerFilterSet
from crm.customers.forms import CustomerForm
from crm.customers.models import Customer

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
        return {**super().get_context_data(**kwargs), "history": history_for(self.object)[:50]}


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
