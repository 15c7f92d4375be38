from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import generic

from crm.core.forms import changed_values
from crm.core.parsing import parse_int
from crm.core.views import ModulePermissionMixin, ServiceFormMixin
from crm.system import services
from crm.system.dictionaries import KINDS
from crm.system.forms import DictionaryItemForm, HolidayForm, NumberSequenceForm, SystemSettingsForm
from crm.system.models import DictionaryItem, Holiday, NumberSequence, SystemSettings
from crm.system.numbering import SEQUENCES, preview_number, stored_or_default


class SystemMixin(ModulePermissionMixin):
    module = "system"


class DictionaryListView(SystemMixin, generic.ListView):
    template_name = "system/dictionary_list.html"

    def get_queryset(self):
        # Only registered kinds: items left behind by a module that is gone do not show.
        self.kind = self.request.GET.get("kind") if self.request.GET.get("kind") in KINDS else next(iter(KINDS), "")
        return DictionaryItem.objects.filter(kind=self.kind) if self.kind else DictionaryItem.objects.none()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kinds": KINDS, "kind": self.kind}


class DictionaryItemCreateView(SystemMixin, ServiceFormMixin, generic.CreateView):
    action = "create"
    form_class = DictionaryItemForm
    template_name = "accounts/form.html"

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def perform(self, form):
        return services.create_dictionary_item(actor=self.request.user, data=form.cleaned_data)

    def get_success_url(self):
        return f"{reverse('system:dictionaries')}?kind={self.object.kind}"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New dictionary item")}


class DictionaryItemUpdateView(SystemMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    model = DictionaryItem
    form_class = DictionaryItemForm
    template_name = "accounts/form.html"

    def perform(self, form):
        return services.update_dictionary_item(actor=self.request.user, item=self.get_object(),
                                               data=changed_values(form))

    def get_success_url(self):
        return f"{reverse('system:dictionaries')}?kind={self.object.kind}"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Edit dictionary item")}


class SettingsView(SystemMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    form_class = SystemSettingsForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("system:settings")

    def get_object(self, queryset=None):
        return SystemSettings.objects.get(pk=SystemSettings.current().pk)

    def perform(self, form):
        return services.update_settings(actor=self.request.user, data=form.cleaned_data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("System settings")}


class HolidayListView(SystemMixin, generic.ListView):
    template_name = "system/holiday_list.html"

    def get_queryset(self):
        year = parse_int(self.request.GET.get("year"), min_value=1, max_value=9999)
        holidays = Holiday.objects.all()
        return holidays.filter(date__year=year) if year else holidays


class HolidayFormView(SystemMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    model = Holiday
    form_class = HolidayForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("system:holidays")

    def get_object(self, queryset=None):
        return get_object_or_404(Holiday, pk=self.kwargs["pk"]) if "pk" in self.kwargs else None

    def perform(self, form):
        return services.save_holiday(actor=self.request.user, data=form.cleaned_data, holiday=self.get_object())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Holiday")
        if self.object:
            context["delete_url"] = reverse("system:holiday_delete", args=[self.object.pk])
        return context


class HolidayDeleteView(SystemMixin, generic.View):
    action = "delete"

    def post(self, request, pk):
        services.delete_holiday(actor=request.user, holiday=get_object_or_404(Holiday, pk=pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(reverse("system:holidays"))


def _sequence(code: str) -> NumberSequence:
    if code not in SEQUENCES:
        raise Http404
    return stored_or_default(code)


class NumberSequenceListView(SystemMixin, generic.TemplateView):
    """Every registered document number, its format and the number it hands out next."""

    template_name = "system/number_sequence_list.html"

    def get_context_data(self, **kwargs):
        sequences = [_sequence(code) for code in sorted(SEQUENCES)]
        return {**super().get_context_data(**kwargs),
                "rows": [(sequence, preview_number(sequence)) for sequence in sequences],
                "can_edit": self.request.user.has_module_perm("system", "edit")}


class NumberSequenceUpdateView(SystemMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    form_class = NumberSequenceForm
    template_name = "system/number_sequence_form.html"
    success_url = reverse_lazy("system:number_sequences")

    def get_object(self, queryset=None):
        return _sequence(self.kwargs["code"])

    def perform(self, form):
        return services.update_number_sequence(actor=self.request.user, code=self.kwargs["code"],
                                               data=form.cleaned_data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Document number: %(label)s") % {"label": self.object}
        context["example"] = preview_number(self.object)
        return context


class NumberSequencePreviewView(SystemMixin, generic.View):
    """The live example beside the form (htmx): the next number in the format being typed, nothing saved."""

    def get(self, request, code):
        sequence = _sequence(code)
        form = NumberSequenceForm(request.GET, instance=sequence)
        if not form.is_valid():
            message = _("Fix the format to see an example.")
            return HttpResponse(f'<span class="text-danger">{escape(message)}</span>')
        return HttpResponse(f"<code>{escape(preview_number(form.instance))}</code>")
