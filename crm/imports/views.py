"""Import pages: upload → mapping → preview → run → progress → result (and the error report)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from crm.core.errors import DomainError
from crm.imports import services
from crm.imports.forms import MappingForm, PolicyForm, UploadForm
from crm.imports.models import ImportJob
from crm.imports.registry import get_importer, importers_for


class ImportListView(LoginRequiredMixin, generic.ListView):
    """The user's own imports, newest first."""

    template_name = "imports/import_list.html"
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not importers_for(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        entities = [i.entity for i in importers_for(self.request.user)]
        return ImportJob.objects.visible_to(self.request.user).filter(entity__in=entities).defer("issues")


class UploadView(LoginRequiredMixin, generic.FormView):
    template_name = "imports/upload.html"
    form_class = UploadForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        entity = request.GET.get("entity") or request.POST.get("entity")
        allowed = importers_for(request.user)
        if not allowed or (entity and entity not in {i.entity for i in allowed}):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"entity": self.request.GET.get("entity", "")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entity = self.request.GET.get("entity") or self.request.POST.get("entity") or ""
        importer = get_importer(entity) or (importers_for(self.request.user) or [None])[0]
        return {**context, "importer": importer}

    def form_valid(self, form):
        try:
            self.job = services.start_import(
                actor=self.request.user, entity=form.cleaned_data["entity"], upload=form.cleaned_data["file"]
            )
        except DomainError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
            return self.form_invalid(form)
        if self.job.status == ImportJob.Status.READING:  # a large file: its page says when it is read
            return HttpResponseRedirect(reverse("imports:detail", args=[self.job.pk]))
        return HttpResponseRedirect(reverse("imports:mapping", args=[self.job.pk]))


class ImportJobMixin(LoginRequiredMixin):
    """The job by id among the user's own (else 404), and the import permission of its module (else 403)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=kwargs["pk"])
        self.importer = get_importer(self.job.entity)
        if self.importer is None or not request.user.has_module_perm(self.importer.module, "import"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "job": self.job, "importer": self.importer}

    def redirect_by_status(self) -> HttpResponseRedirect | None:
        """Pages of a stage the job has left send the user to where it is now."""
        if self.job.status in (
            ImportJob.Status.READING,
            ImportJob.Status.CHECKING,
            ImportJob.Status.QUEUED,
            ImportJob.Status.RUNNING,
            ImportJob.Status.DONE,
            ImportJob.Status.FAILED,
        ):
            return HttpResponseRedirect(reverse("imports:detail", args=[self.job.pk]))
        return None


class MappingView(ImportJobMixin, generic.FormView):
    template_name = "imports/mapping.html"
    form_class = MappingForm

    def get(self, request, *args, **kwargs):
        return self.redirect_by_status() or super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "job": self.job, "importer": self.importer}

    def form_valid(self, form):
        if redirect := self.redirect_by_status():
            return redirect
        try:
            services.set_mapping(
                actor=self.request.user,
                job=self.job,
                mapping=form.mapping(),
                duplicate_policy=form.cleaned_data["duplicate_policy"],
            )
            self.job = services.start_preview(actor=self.request.user, job=self.job)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        return HttpResponseRedirect(_after_check(self.job))


def _after_check(job: ImportJob) -> str:
    """The preview once the file is checked; the progress page while a large file is being checked."""
    if job.status == ImportJob.Status.CHECKING:
        return reverse("imports:detail", args=[job.pk])
    return reverse("imports:preview", args=[job.pk])


class PreviewView(ImportJobMixin, generic.TemplateView):
    """The dry run's result: counts, every row with an error or a duplicate (first SHOWN_ISSUES), and the
    duplicate policy, which can be changed here (the rows are checked again)."""

    template_name = "imports/preview.html"

    def get(self, request, *args, **kwargs):
        if redirect := self.redirect_by_status():
            return redirect
        if self.job.status != ImportJob.Status.PREVIEWED:
            return HttpResponseRedirect(reverse("imports:mapping", args=[self.job.pk]))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if redirect := self.redirect_by_status():
            return redirect
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.set_mapping(
                    actor=request.user,
                    job=self.job,
                    mapping=self.job.mapping,
                    duplicate_policy=form.cleaned_data["duplicate_policy"],
                )
                self.job = services.start_preview(actor=request.user, job=self.job)
            except DomainError as error:
                messages.error(request, error.message)
        return HttpResponseRedirect(_after_check(self.job))

    def get_context_data(self, **kwargs):
        issues = self.job.issues[: services.SHOWN_ISSUES]
        for issue in issues:
            issue["label"] = services.action_label(issue["action"], finished=False)
        return {
            **super().get_context_data(**kwargs),
            "issues": issues,
            "hidden_issues": max(len(self.job.issues) - len(issues), 0),
            "policy_form": PolicyForm(initial={"duplicate_policy": self.job.duplicate_policy}),
        }


class RunView(ImportJobMixin, generic.View):
    def post(self, request, *args, **kwargs):
        try:
            services.queue_import(actor=request.user, job=self.job)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("imports:preview", args=[self.job.pk]))
        return HttpResponseRedirect(reverse("imports:detail", args=[self.job.pk]))


class DetailView(ImportJobMixin, generic.TemplateView):
    """Progress while a large file is checked or the job runs (polled with htmx), then the result."""

    template_name = "imports/detail.html"

    def get(self, request, *args, **kwargs):
        if self.job.status == ImportJob.Status.DRAFT:
            return HttpResponseRedirect(reverse("imports:mapping", args=[self.job.pk]))
        if self.job.status == ImportJob.Status.PREVIEWED:
            return HttpResponseRedirect(reverse("imports:preview", args=[self.job.pk]))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        issues = self.job.issues[: services.SHOWN_ISSUES]
        for issue in issues:
            issue["label"] = services.action_label(issue["action"], finished=True)
        return {
            **super().get_context_data(**kwargs),
            "issues": issues,
            "hidden_issues": max(len(self.job.issues) - len(issues), 0),
            "written": services.written_rows(self.job),
        }


IN_PROGRESS = (
    ImportJob.Status.READING,
    ImportJob.Status.CHECKING,
    ImportJob.Status.QUEUED,
    ImportJob.Status.RUNNING,
    ImportJob.Status.ROLLING_BACK,
)


class ProgressView(ImportJobMixin, generic.View):
    """htmx: the progress panel; once the job has finished (or its check has), the whole page reloads to show
    the result (or the preview)."""

    def get(self, request, *args, **kwargs):
        if self.job.status not in IN_PROGRESS:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "imports/_progress.html", {"job": self.job, "written": services.written_rows(self.job)})


class ReportView(ImportJobMixin, generic.View):
    """The error report as CSV (UTF-8 with BOM, so Excel shows the Chinese)."""

    def get(self, request, *args, **kwargs):
        response = HttpResponse(services.error_report_csv(self.job), content_type="text/csv; charset=utf-8")
        stem = self.job.original_name.rsplit(".", 1)[0] or "import"
        filename = _("%(file)s-errors.csv") % {"file": stem}
        from django.utils.http import content_disposition_header

        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
