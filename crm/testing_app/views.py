"""The suite's module's screens: each a few declarative lines on the platform's base views."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.views import generic

from crm.core.timeline import timeline_page
from crm.core.views import (
    ListExportMixin,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
)
from crm.testing_app import services
from crm.testing_app.exports import PROJECT_EXPORT
from crm.testing_app.filtersets import DealFilterSet, ProjectFilterSet
from crm.testing_app.forms import DealForm, ProjectForm
from crm.testing_app.models import Deal, Project


class ProjectListView(ScopedListView):
    model = Project
    filterset_class = ProjectFilterSet
    template_name = "testing_app/project_list.html"
    search_index = True
    list_key = "testing_app.projects"
    columns = ["number", "name", "status", "budget", "owner", "updated_at"]
    default_columns = ["number", "name", "status", "owner"]
    sortable = {"name", "budget", "updated_at"}
    default_sort = "-updated_at"

    def get_queryset(self):
        return super().get_queryset().select_related("owner")


class ProjectExportView(ListExportMixin, ProjectListView):
    export_spec = PROJECT_EXPORT
    list_url_name = "testing_app:project_list"


class ProjectCreateView(ScopedCreateView):
    model = Project
    form_class = ProjectForm
    template_name = "testing_app/form.html"

    def create(self, data):
        return services.create_project(actor=self.request.user, data=data)

    def get_success_url(self):
        return reverse("testing_app:project_detail", args=[self.object.pk])


class ProjectDetailView(ScopedDetailView):
    model = Project
    template_name = "testing_app/project_detail.html"
    detail_fields = ["number", "name", "status", "budget", "owner", "department"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"], context["timeline_cursor"] = timeline_page(self.object, self.request.user)
        return context


class ProjectUpdateView(ScopedUpdateView):
    model = Project
    form_class = ProjectForm
    template_name = "testing_app/form.html"

    def update(self, instance, data):
        return services.update_project(actor=self.request.user, project=instance, data=data)

    def get_success_url(self):
        return reverse("testing_app:project_detail", args=[self.object.pk])


class ProjectDeleteView(ScopedQuerysetMixin, generic.View):
    model = Project
    action = "delete"

    def post(self, request, pk):
        services.delete_project(actor=request.user, project=get_object_or_404(self.get_queryset(), pk=pk))
        messages.success(request, "Deleted.")
        return HttpResponseRedirect(reverse_lazy("testing_app:project_list"))


class DealListView(ScopedListView):
    model = Deal
    filterset_class = DealFilterSet
    template_name = "testing_app/deal_list.html"
    list_key = "testing_app.deals"
    columns = ["name", "customer", "owner", "updated_at"]
    sortable = {"updated_at"}

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "customer")


class DealUpdateView(ScopedUpdateView):
    model = Deal
    form_class = DealForm
    template_name = "testing_app/form.html"

    def update(self, instance, data):
        return services.update_deal(actor=self.request.user, deal=instance, data=data)

    def get_success_url(self):
        return reverse("testing_app:deal_list")
