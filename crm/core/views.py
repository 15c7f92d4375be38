"""Generic base views: every screen over business records inherits its permission and data-scope checks here."""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Collection, Iterable, Sequence
from functools import cached_property, partialmethod
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.forms import BaseForm
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs
from django.utils.translation import gettext as _
from django.views import generic
from huey.contrib.djhuey import HUEY
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from crm.core import services as core_services
from crm.core.concurrency import VERSION_FIELD, is_versioned, lock_for_update, stale_message
from crm.core.dashboard import render_widgets
from crm.core.errors import DomainError
from crm.core.exports import ExportSpec, export_response, filters_for_audit
from crm.core.fieldperms import hidden_fields, restrict_form, unsearchable_fields, visible_field_values
from crm.core.filtersets import restrict_filterset
from crm.core.forms import VersionField, changed_values, dress_form, is_validation_request, validation_errors
from crm.core.models import SavedView
from crm.core.pagination import CappedPaginator, with_tiebreak
from crm.core.panels import render_panels
from crm.core.parsing import parse_id
from crm.core.querysets import team_in_scope
from crm.core.recent import record_view
from crm.core.search import search_all
from crm.core.templatetags.crm_tags import attr_of

if TYPE_CHECKING:
    from crm.accounts.models import User
    from crm.core.models import ScopedModel

    # What the mixins are mixed into, as the type checker sees it; at run time they are plain classes.
    class _ModelFormViewBase(generic.edit.ModelFormMixin, generic.View): ...

    class _UpdateViewBase(generic.edit.BaseUpdateView): ...

    class _ModelViewBase(generic.View):
        model: Any  # list views declare it optional, detail views required

        def get_queryset(self) -> Any: ...
else:
    _ModelFormViewBase = _ModelViewBase = _UpdateViewBase = object


def _signed_in(user) -> User:
    """The user of a view behind LoginRequiredMixin (for the type checker: never anonymous there)."""
    return cast("User", user)


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
        self.load(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, request, *args, **kwargs) -> None:
        """Fetch what the view works on from the URL (the customer a contact is added to), as a 404 when absent.
        Runs after the sign-in and permission checks, so whoever may not use the view learns nothing of which
        ids exist: anonymous callers are sent to log in, callers without the permission get 403, for any id."""


class ScopedQuerysetMixin(ModulePermissionMixin, _ModelViewBase):
    """Starts every query from Model.objects.visible_to(user, action): out-of-scope records are a 404."""

    def get_queryset(self):
        model: type[ScopedModel] = self.model
        return model.objects.visible_to(_signed_in(self.request.user), self.action)


# list_key -> the list view class that offers saved views under that key (filled by ScopedListView subclasses).
_LISTS: dict[str, type[ScopedListView]] = {}


class ScopedListView(ScopedQuerysetMixin, generic.ListView):
    """A scoped, filtered list with choosable columns, sorting by column headers and saved views.

    Configured by class attributes: ``columns`` (the choosable columns, in order: model field names, or names
    given a label in ``column_labels``), ``default_columns`` (shown until the user chooses), ``sortable`` (the
    columns the headers sort by), ``default_sort`` and ``list_key`` (the key of the user's saved views; empty:
    no saved views). A column or sort the user's role may not read (field rules) is never offered nor applied.
    Every ordering ends with the primary key, so pages neither repeat nor skip rows.
    """

    filterset_class = None
    # As the API's pages. Also: SQLite's planner sorts a rep's whole scope for a LIMIT under ~30 but walks the
    # list-order index for 50 (a rep of a million customers: 450 ms against 25 ms).
    paginate_by = 50
    # Counts stop at CRM_LIST_COUNT_CAP: a rep's 170,000 customers read "500+" instead of costing a full count.
    paginator_class = CappedPaginator
    list_key: str = ""
    columns: Sequence[str] = ()
    default_columns: Sequence[str] = ()
    column_labels: dict[str, str | Promise] = {}
    sortable: Collection[str] = ()
    default_sort: str = ""  # "" = the model's Meta.ordering
    # Below 768 px each row is a card (core/list/page.html): the first column is its title, then these columns,
    # each with its label, shown on the card even when the user's table leaves them out. Empty: the three columns
    # the table shows after its first.
    card_columns: Sequence[str] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The class that names the key owns it; subclasses (an export of the same list) inherit it only.
        if "list_key" in cls.__dict__ and cls.list_key:
            _LISTS[cls.list_key] = cls

    def get(self, request, *args, **kwargs):
        # A bare visit opens the user's default view, if they chose one.
        if self.list_key and not request.GET:
            default = SavedView.objects.filter(user=request.user, list_key=self.list_key, is_default=True).first()
            if default is not None:
                return HttpResponseRedirect(f"{request.path}?{default.query}&view={default.pk}")
        return super().get(request, *args, **kwargs)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # ?after= (the next link's cursor) starts the page after the last row of the one before; a stale or
        # edited cursor is ignored and the page number counts from the top.
        paginator = super().get_paginator(queryset, per_page, orphans=orphans,
                                          allow_empty_first_page=allow_empty_first_page,
                                          after=self.request.GET.get("after") or None, **kwargs)
        # ?count=exact: the "500+" link asks for the whole count, once (it is not kept in the page links).
        if self.request.GET.get("count") == "exact" and isinstance(paginator, CappedPaginator):
            paginator.count_exactly()
        return paginator

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is not None:
            # Field rules and data scope on every filter (crm/core/filtersets.py), as the API's backend does.
            self.filterset = restrict_filterset(
                self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request),
                self.request.user)
            if self.filterset.is_bound and self.filterset.is_valid():
                queryset = self.filterset.qs
        return queryset.order_by(*self.get_ordering())

    @cached_property
    def hidden_columns(self) -> set[str]:
        return set(hidden_fields(self.request.user, self.model))

    @cached_property
    def unsortable_columns(self) -> set[str]:
        """What the user may not sort by: fields they may not search by (hidden, or masked without unmask)."""
        return set(unsearchable_fields(self.request.user, self.model))

    def get_sort(self) -> str:
        """``?sort=`` if it names a sortable column the user may sort by (``-`` for descending), else the
        default."""
        sort = self.request.GET.get("sort", "")
        name = sort.removeprefix("-")
        return sort if name in self.sortable and name not in self.unsortable_columns else self.default_sort

    def get_ordering(self) -> list[str]:
        """The sort (else the model's default ordering), then the primary key in the same direction as the last
        key, unless it is there already."""
        sort = self.get_sort()
        ordering = [sort] if sort else [key for key in self.model._meta.ordering if isinstance(key, str)]
        return with_tiebreak(ordering or ["-pk"], self.model)

    def offered_columns(self) -> list[str]:
        return [name for name in self.columns if name not in self.hidden_columns]

    def get_columns(self) -> list[str]:
        """The columns shown: ``?col=``, else the saved view's, else the defaults, minus what the role may not
        read."""
        offered = self.offered_columns()
        chosen = [name for name in self.request.GET.getlist("col") if name in offered]
        if not chosen and (view := self.current_view) is not None:
            chosen = [name for name in view.columns if name in offered]
        return chosen or [name for name in (self.default_columns or self.columns) if name in offered]

    def render_cell(self, obj: Any, name: str) -> str:
        """One cell of the list as HTML: the value as a template prints it (localised, in the user's time zone,
        escaped). A list dresses up its own columns (a link, badges) by overriding this and calling super() for
        the rest; its template prints ``rows``. Fifty rows of cells built here cost a fraction of an if-chain per
        cell in the template."""
        printer = self._cell_printers.get(name)
        if printer is None:
            printer = self._cell_printers[name] = self._printer(name)
        return printer(obj)

    def prepare_rows(self, rows: list[Any], columns: list[str]) -> None:
        """Loads what the shown ``columns`` need for all the page's rows at once, before ``render_cell`` prints
        them: e.g. a many-to-many column with ``crm.core.querysets.load_many_values`` (one query for the page)."""

    @cached_property
    def _cell_printers(self) -> dict[str, Any]:
        return {}

    def _printer(self, name: str) -> Any:
        """How one column's cells are printed, decided once per page: a choice column's labels are looked up in a
        map made for this page (Django's ``get_FOO_display`` rebuilds the choices on every call)."""
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        display = inspect.getattr_static(self.model, f"get_{name}_display", None)
        if field is not None and field.choices and isinstance(display, partialmethod):  # Django's own display
            labels = {value: printed(label) for value, label in field.flatchoices}
            attname = field.attname

            def choice(obj: Any) -> str:
                value = getattr(obj, attname)
                return labels[value] if value in labels else printed(value)
            return choice
        return lambda obj: printed(attr_of(obj, name))

    def column_label(self, name: str) -> str | Promise:
        if name in self.column_labels:
            return self.column_labels[name]
        return self.model._meta.get_field(name).verbose_name

    @cached_property
    def current_view(self) -> SavedView | None:
        """The saved view named by ?view=, if it is the user's own."""
        view_id = parse_id(self.request.GET.get("view"))
        if not self.list_key or view_id is None:
            return None
        return SavedView.objects.filter(user=_signed_in(self.request.user), list_key=self.list_key, pk=view_id).first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = getattr(self, "filterset", None)
        query = self.request.GET.copy()
        for name in ("page", "after", "count"):
            query.pop(name, None)
        context["query_without_page"] = query.urlencode()
        query.pop("view", None)
        columns = self.get_columns()
        cards = self.get_card_columns(columns)
        printed_columns = columns + [name for name in cards if name not in columns]
        layout = [self._cell_layout(index, name, name in columns, name in cards)
                  for index, name in enumerate(printed_columns)]
        page_rows = list(context["object_list"])
        self.prepare_rows(page_rows, printed_columns)
        context["rows"] = [(obj, Cells((self.render_cell(obj, name) for name in printed_columns), layout))
                           for obj in page_rows]
        context.update(
            columns=[(name, self.column_label(name)) for name in columns],
            head=[(name, self.column_label(name), "" if name in columns else "d-md-none")
                  for name in printed_columns],
            all_columns=[(name, self.column_label(name), name in columns) for name in self.offered_columns()],
            sortable=(sortable := [name for name in self.offered_columns() if name in self.sortable
                                   and name not in self.unsortable_columns]),
            sort_choices=self.sort_choices(sortable),
            active_filters=self.active_filter_count(),
            sort=self.get_sort(),
            list_key=self.list_key,
            current_view=self.current_view,
            current_query=query.urlencode(),
            saved_views=SavedView.objects.filter(user=_signed_in(self.request.user), list_key=self.list_key)
            if self.list_key else [],
            team_filters=self.team_filters(),
        )
        return context

    def active_filter_count(self) -> int:
        """How many of the filter set's filters the query sets (the search box aside): the phone's Filters button
        says so while the filters are folded."""
        filterset = getattr(self, "filterset", None)
        names: Collection[str] = filterset.filters if filterset is not None else ()
        return len([name for name in names if name != "q" and any(self.request.GET.getlist(name))])

    def sort_choices(self, sortable: list[str]) -> list[tuple[str, str]]:
        """The sort picker's options (a phone's cards have no header to click): each sortable column both ways."""
        choices = [("", _("Default order"))]
        for name in sortable:
            label = capfirst(str(self.column_label(name)))
            choices += [(name, f"{label} ↑"), (f"-{name}", f"{label} ↓")]
        return choices

    def get_card_columns(self, columns: list[str]) -> list[str]:
        """The columns a phone's card shows under its title (``card_columns``, minus what the role may not read)."""
        if not self.card_columns:
            return columns[1:4]
        title = columns[0] if columns else ""
        return [name for name in self.card_columns if name not in self.hidden_columns and name != title]

    def _cell_layout(self, index: int, name: str, in_table: bool, on_card: bool) -> str:
        """A column's ``<td>`` attributes: the first is the card's title; a card field carries its label (the
        card prints it before the value); the rest are hidden on a phone, a card-only one on a wide screen."""
        if index == 0:
            return ' class="crm-card-title"'
        if not on_card:
            return ' class="crm-card-hide"'
        label = conditional_escape(capfirst(str(self.column_label(name))))
        return f' data-label="{label}"' if in_table else f' class="d-md-none" data-label="{label}"'

    def team_filters(self) -> dict[str, Any] | None:
        """The owner and department pickers of the list's filter form (core/list/_team_filters.html), for a user
        whose scope reaches beyond their own records and a filter set that has those filters: a manager sees the
        team at a glance. Only the people and departments in the user's scope are offered."""
        filterset = getattr(self, "filterset", None)
        if filterset is None or not {"owner", "department"} & set(filterset.filters):
            return None
        team = team_in_scope(_signed_in(self.request.user))
        if team is None:
            return None
        users, departments = team
        return {"users": users if "owner" in filterset.filters else None,
                "departments": departments if "department" in filterset.filters else None,
                "owner": self.request.GET.get("owner", ""), "department": self.request.GET.get("department", ""),
                "me": str(self.request.user.pk)}


class ListExportMixin(_ModelViewBase):
    """Put before a ScopedListView subclass: ``?format=csv|xlsx&<the list's query>`` answers the list's own
    queryset (scope, filters, sort) as a file described by ``export_spec`` (core/exports.py). Needs
    ``<module>.export``; bad filters or format answer 400 and export nothing. ``export_rows`` may turn the list's
    rows into related ones (the contacts of the listed customers); ``list_url_name`` is where "back" goes."""

    action = "export"
    export_spec: ExportSpec | None = None
    list_url_name: str = ""

    def get(self, request, *args, **kwargs):
        rows = self.get_queryset()
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_bound and not filterset.is_valid():
            return self.refuse(_("Some filters are not valid."), sorted(filterset.errors.items()))
        if self.export_spec is None:  # pragma: no cover - a list view that forgot its spec
            raise ImproperlyConfigured(f"{type(self).__name__} needs an export_spec")
        try:
            return export_response(self.export_spec, self.export_rows(rows), user=request.user,
                                   file_format=request.GET.get("format"), filters=filters_for_audit(request.GET))
        except DomainError as error:
            return self.refuse(error.message)

    def export_rows(self, queryset):
        return queryset

    def refuse(self, message: str, field_errors=()):
        query = self.request.GET.copy()
        query.pop("format", None)
        back = reverse(self.list_url_name) if self.list_url_name else "/"
        return render(self.request, "core/export_error.html", status=400, context={
            "message": message, "field_errors": field_errors,
            "back_url": f"{back}?{query.urlencode()}" if query else back})


CONFIRM_SAMPLE = 10


def confirm_bulk_action(request, *, question: str, explanation: str, confirm_label: str, names: Sequence[str],
                        selected: int, back: str) -> HttpResponse:
    """The page that asks before a destructive bulk action (core/list/bulk_confirm.html): how many of the
    ``selected`` records it will change (``names``, the ones the user may change; the first few listed) and what
    happens to them. Confirming posts the same form again with ``confirmed=1``."""
    fields = [(name, value) for name in request.POST if name not in ("csrfmiddlewaretoken", "confirmed")
              for value in request.POST.getlist(name)]
    return render(request, "core/list/bulk_confirm.html", {
        "question": question, "explanation": explanation, "confirm_label": confirm_label,
        "action_url": request.path, "fields": fields, "back": back, "count": len(names),
        "sample": names[:CONFIRM_SAMPLE], "more": max(0, len(names) - CONFIRM_SAMPLE),
        "skipped": max(0, selected - len(names))})


def _back_to_list(request, fallback: str = "/") -> str:
    """The list page the form came from (a path on this site), else ``fallback``."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class SaveListView(LoginRequiredMixin, generic.View):
    """Saves a list's current filters, sort and columns under a name, for any list with a ``list_key``.

    The list is named by the ``list_key`` posted (or bound with ``as_view(list_key=…)``); the user needs the
    list's own permission, and only columns that list offers the user are stored."""

    list_key: str = ""

    def post(self, request):
        list_key = self.list_key or request.POST.get("list_key", "")
        list_view = _LISTS.get(list_key)
        if list_view is None:
            raise Http404
        probe = list_view(request=request, kwargs={})
        module = probe.get_module()
        if module and not request.user.has_module_perm(module, list_view.action):
            raise PermissionDenied
        offered = probe.offered_columns()
        back = _back_to_list(request)
        query = request.POST.get("query", "")
        try:
            view = core_services.save_view(
                actor=request.user, list_key=list_key, name=request.POST.get("name", ""), query=query,
                columns=[c for c in request.POST.getlist("col") if c in offered],
                is_default=bool(request.POST.get("is_default")))
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(f"{back}?{query}")
        messages.success(request, _("View saved."))
        return HttpResponseRedirect(f"{back}?{view.query}&view={view.pk}")


class DeleteListView(LoginRequiredMixin, generic.View):
    """Deletes one of the user's own saved views; back to the list with its default sort."""

    def post(self, request, pk):
        view = get_object_or_404(SavedView, pk=pk, user=request.user)
        core_services.delete_view(actor=request.user, view=view)
        messages.success(request, _("View deleted."))
        list_view = _LISTS.get(view.list_key)
        # An explicit sort, so a bare visit does not open another default view straight away.
        return HttpResponseRedirect(f"{_back_to_list(request)}?sort={list_view.default_sort if list_view else ''}")


class ScopedDetailView(ScopedQuerysetMixin, generic.DetailView):
    detail_fields: list[str] = []

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        record_view(request.user, self.object)  # the home page's "recently viewed"
        return response

    def get_page_flags(self) -> dict:
        """What the page lets the user do; the template and every panel (core/panels.py) read these."""
        return {"can_edit": self.may("edit"), "can_delete": self.may("delete")}

    def may(self, action: str) -> bool:
        """Whether the user may ``action`` this record: the module permission and the record inside that
        action's scope (a role may see its department's records but change only its own: no Edit button that
        answers 404)."""
        user = _signed_in(self.request.user)
        if not user.has_module_perm(self.get_module(), action):
            return False
        model: type[ScopedModel] = self.model
        return model.objects.visible_to(user, action).filter(pk=self.object.pk).exists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["field_rows"] = visible_field_values(self.request.user, self.object, self.detail_fields)
        flags = self.get_page_flags()
        context.update(flags)
        # The panels other modules registered for this record's page (contacts, duplicates, opportunities…).
        context["panels"] = render_panels(self.object, self.request, flags)
        return context


class ServiceFormMixin(_ModelFormViewBase):
    """Hands valid form data to a service (``perform``) instead of form.save(); a DomainError becomes a form
    error and nothing changes.

    The form is dressed for the person filling it in (``crm.core.forms.dress_form``: date pickers, searchable
    long picklists, required markers), and answers inline validation: a POST with ``?validate=1`` (forms.js, as
    a field loses focus) runs the very same form, field rules and checks, and answers its errors as JSON; it
    never reaches ``perform``, so nothing is saved."""

    @cached_property
    def validation_only(self) -> bool:
        return is_validation_request(self.request)

    def perform(self, form):  # pragma: no cover - subclasses call their service
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if isinstance(context.get("form"), BaseForm):
            dress_form(context["form"])  # as it is shown: after the view's own changes (a field disabled…)
        return context

    def form_invalid(self, form):
        if self.validation_only:
            return JsonResponse(validation_errors(form))
        return super().form_invalid(form)

    def form_valid(self, form):
        if self.validation_only:
            return JsonResponse(validation_errors(form))
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


class VersionedUpdateMixin(_UpdateViewBase):
    """No lost update for an edit form of a versioned model (crm.core.concurrency): the form carries the
    record's version in a hidden field; the POST runs in one transaction that reads the record under a row lock
    and refuses, with a message and a link to reload, a form opened before someone else's change. The refused
    form shows what the user typed. Put it before the generic UpdateView (``ScopedUpdateView`` has it)."""

    stale = False

    def post(self, request, *args, **kwargs):
        # The response is a TemplateResponse or a redirect: rendered after the transaction, outside the lock.
        with transaction.atomic():
            return super().post(request, *args, **kwargs)

    def get_object(self, queryset=None):
        record = super().get_object(queryset)
        # A validation call (ServiceFormMixin.validation_only) saves nothing: no lock to hold.
        if self.request.method == "POST" and is_versioned(record) and not getattr(self, "validation_only", False):
            lock_for_update(record)
        return record

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if is_versioned(self.object):
            form.fields[VERSION_FIELD] = VersionField(initial=self.object.version)
        return form

    def form_valid(self, form):
        posted = form.cleaned_data.get(VERSION_FIELD)
        if is_versioned(self.object) and posted is not None and posted != self.object.version:
            self.stale = True
            form.add_error(None, stale_message())
            return self.form_invalid(form)
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "stale_record": self.stale,
                "reload_url": self.request.get_full_path()}


class ScopedUpdateView(VersionedUpdateMixin, ScopedFormMixin, ScopedQuerysetMixin, generic.UpdateView):
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

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "widgets": render_widgets(self.request)}


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
        context["dropdown"] = bool(getattr(self.request, "htmx", False))
        return context


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon rather than a 404."""
    return HttpResponsePermanentRedirect(static("crm/favicon.svg"))


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


# Seconds a client is asked to wait before trying a write again when the database was busy.
BUSY_RETRY_AFTER = 5
# PostgreSQL: lock_not_available (a lock timeout), deadlock_detected, serialization_failure.
_BUSY_SQLSTATES = {"55P03", "40P01", "40001"}


def is_database_busy(error: BaseException | None) -> bool:
    """A write that could not get its lock in time: SQLite's "database is locked" after the busy timeout, or
    PostgreSQL's lock timeout / deadlock / serialisation failure. Trying again shortly will work."""
    if not isinstance(error, OperationalError):
        return False
    if "database is locked" in str(error) or "database table is locked" in str(error):
        return True
    return getattr(error.__cause__, "sqlstate", None) in _BUSY_SQLSTATES


def database_busy(request):
    """503 with Retry-After, in the user's language; for the API in its one error format."""
    message = _(
        "The database is busy with other work (for example a large import). Nothing was saved; try again in a "
        "few seconds."
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "busy", "message": str(message), "retry_after": BUSY_RETRY_AFTER}}, status=503
        )
    else:
        # Without context processors, like the 500 page: they may need the database that is busy.
        response = HttpResponse(loader.get_template("errors/503.html").render({"message": message}), status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def server_error(request):
    if is_database_busy(sys.exc_info()[1]):  # raised outside a view (a middleware saving the session…)
        return database_busy(request)
    if request.path.startswith("/api/"):
        return _error_page(request, 500, "errors/500.html")
    # Rendered without context processors: they may need the database that just failed.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)


class Cells(list):
    """A row's printed cells. ``{{ cells.html }}`` prints them as ``<td>``s in one go (a template's loop printing
    each cell costs more than building it); ``{% for cell in cells %}`` still works for a row that needs its own
    markup."""

    def __init__(self, cells: Iterable[str] = (), layout: Sequence[str] = ()):
        super().__init__(cells)
        self.layout = layout  # each cell's <td> attributes (ScopedListView._cell_layout), already escaped

    @property
    def html(self) -> str:
        attributes = list(self.layout) + [""] * (len(self) - len(self.layout))
        return mark_safe("".join(f"<td{attrs}>{conditional_escape(cell)}</td>"  # a plain str is escaped
                                 for attrs, cell in zip(attributes, self, strict=True)))


def printed(value: Any) -> str:
    """A value as ``{{ value }}`` prints it: nothing for None, dates in the user's time zone and locale, escaped."""
    if value is None:
        return ""
    return conditional_escape(localize(template_localtime(value)))
