"""Generic base views: every screen over business records inherits its permission and data-scope checks here."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import generic
from huey.contrib.djhuey import HUEY
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from crm.core.errors import DomainError
from crm.core.fieldperms import restrict_form, visible_field_values
from crm.core.forms import changed_values
from crm.core.pagination import CappedPaginator
from crm.core.search import search_all


class ModulePermissionMixin(LoginRequiredMixin):
    """Requires the functional permission ``module.action``; 403 otherwise."""

    module: str = ""
    action: str = "view"

    def get_module(self) -> str:
        return self.module or getattr(getattr(self, "model", None), "module", "")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        module = self.get_module()
        if module and not request.user.has_module_perm(module, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ScopedQuerysetMixin(ModulePermissionMixin):
    """Starts every query from Model.objects.visible_to(user, action): out-of-scope records are a 404."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.action)


class ScopedListView(ScopedQuerysetMixin, generic.ListView):
    filterset_class = None
    # As the API's pages. Also: SQLite's planner sorts a rep's whole scope for a LIMIT under ~30 but walks the
    # list-order index for 50 (a rep of a million customers: 450 ms against 25 ms).
    paginate_by = 50
    # Counts stop at CRM_LIST_COUNT_CAP: a rep's 170,000 customers read "500+" instead of costing a full count.
    paginator_class = CappedPaginator

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset,
                                                  request=self.request)
            if self.filterset.is_bound and self.filterset.is_valid():
                queryset = self.filterset.qs
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = getattr(self, "filterset", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class ScopedDetailView(ScopedQuerysetMixin, generic.DetailView):
    detail_fields: list[str] = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["field_rows"] = visible_field_values(self.request.user, self.object, self.detail_fields)
        context["can_edit"] = self.request.user.has_module_perm(self.get_module(), "edit")
        context["can_delete"] = self.request.user.has_module_perm(self.get_module(), "delete")
        return context


class ServiceFormMixin:
    """Hands valid form data to a service (``perform``) instead of form.save(); a DomainError becomes a form
    error and nothing changes."""

    def perform(self, form):  # pragma: no cover - subclasses call their service
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform(form)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            return self.form_invalid(form)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items() if hasattr(error, "error_dict") else []:
                form.add_error(field if field in form.fields else None, field_messages)
            if not hasattr(error, "error_dict"):
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        if success := self.get_success_message():
            messages.success(self.request, success)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_message(self) -> str:
        return _("Saved.")


class ScopedFormMixin(ServiceFormMixin):
    """Applies field-level rules to the form and hands the cleaned data to a service instead of form.save()."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        restrict_form(form, self.request.user, self.model)
        return form


class ScopedCreateView(ScopedFormMixin, ModulePermissionMixin, generic.CreateView):
    action = "create"

    def create(self, data: dict):  # pragma: no cover - subclasses call their service
        raise NotImplementedError

    def perform(self, form):
        return self.create(form.cleaned_data)


class ScopedUpdateView(ScopedFormMixin, ScopedQuerysetMixin, generic.UpdateView):
    action = "edit"

    def update(self, instance, data: dict):  # pragma: no cover - subclasses call their service
        raise NotImplementedError

    def perform(self, form):
        changed = changed_values(form)
        # The form has already written its values onto self.object; the service gets a fresh copy so that
        # its audit diff sees the stored state.
        return self.update(self.get_object(), changed)


class HomeView(LoginRequiredMixin, generic.TemplateView):
    """The work bench a user lands on after signing in."""

    template_name = "core/home.html"


class SearchView(LoginRequiredMixin, generic.TemplateView):
    """Results of the top-bar search; an htmx request gets just the result list for the drop-down."""

    template_name = "core/search.html"

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["core/_search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        context["q"] = query
        context["results"] = search_all(self.request.user, query)
        context["has_hits"] = any(hits for _provider, hits in context["results"])
        return context


def healthz(request):
    """Database and task queue reachable? 200 with details, or 503 naming what is down."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        HUEY.pending_count()
        checks["task_queue"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["task_queue"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def metrics(request):
    """Prometheus text. Under gunicorn (several processes) the figures of every worker are summed."""
    if multiproc_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
        return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


def _error_page(request, status: int, template: str):
    if request.path.startswith("/api/"):
        messages = {400: _("Bad request."), 403: _("You do not have permission to perform this action."),
                    404: _("Not found."), 500: _("Server error.")}
        codes = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}
        return JsonResponse({"error": {"code": codes[status], "message": str(messages[status])}}, status=status)
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error_page(request, 400, "errors/400.html")


def permission_denied(request, exception=None):
    return _error_page(request, 403, "errors/403.html")


def page_not_found(request, exception=None):
    return _error_page(request, 404, "errors/404.html")


def server_error(request):
    if request.path.startswith("/api/"):
        return _error_page(request, 500, "errors/500.html")
    # Rendered without context processors: they may need the database that just failed.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
