from functools import cached_property

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.views import generic

from crm.accounts.models import User
from crm.core.errors import DomainError
from crm.core.fieldperms import visible_field_values
from crm.core.forms import changed_values
from crm.core.parsing import parse_datetime_param, parse_id, parse_ids
from crm.core.querysets import NOT_LOADED, load_many_values, loaded_values
from crm.core.timeline import timeline_page
from crm.core.undo import offer_undo
from crm.core.views import (
    ModulePermissionMixin,
    ScopedCreateView,
    ScopedDetailView,
    ScopedListView,
    ScopedQuerysetMixin,
    ScopedUpdateView,
    ServiceFormMixin,
    VersionedUpdateMixin,
    confirm_bulk_action,
    printed,
)
from crm.customers import services
from crm.customers.filtersets import CustomerFilterSet
from crm.customers.forms import ActivityComposerForm, ActivityForm, ContactForm, CustomerForm
from crm.customers.models import Contact, Customer, Tag
from crm.customers.services.bulk import BULK_ACTIONS, bulk_selection, bulk_update_customers, validate_bulk_request
from crm.customers.widgets import STAGE_COLOURS
from crm.system.dictionaries import dictionary_colours

# Columns a user can show on the list, in this order; DEFAULT_COLUMNS until they choose.
LIST_COLUMNS = ["name", "number", "kind", "customer_type", "phone", "email", "industry", "scale", "source", "level",
                "credit_rating", "city", "lifecycle_stage", "tags",
                "owner", "department", "last_follow_up_at", "next_follow_up_at", "created_at", "updated_at"]
DEFAULT_COLUMNS = ["name", "kind", "phone", "industry", "level", "lifecycle_stage", "owner", "last_follow_up_at"]
SORTABLE_COLUMNS = {"name", "level", "lifecycle_stage", "last_follow_up_at", "next_follow_up_at", "created_at",
                    "updated_at"}
LIST_KEY = "customers"


class CustomerListView(ScopedListView):
    """Filters, sort and columns come from the query string; a saved view is a named query string."""

    model = Customer
    filterset_class = CustomerFilterSet
    template_name = "customers/customer_list.html"
    list_key = LIST_KEY
    columns = LIST_COLUMNS
    default_columns = DEFAULT_COLUMNS
    sortable = SORTABLE_COLUMNS
    default_sort = "-updated_at"
    card_columns = ["level", "lifecycle_stage", "phone", "owner", "last_follow_up_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "department")

    def prepare_rows(self, rows, columns):
        if "tags" in columns:
            load_many_values(rows, {"tags": "name"})

    @cached_property
    def _swatches(self) -> dict[str, dict[str, str]]:
        return {"level": dictionary_colours("customer_level"), "lifecycle_stage": STAGE_COLOURS}

    @cached_property
    def _detail_url(self) -> str:
        # reverse() per row is a tenth of a millisecond; the page's fifty links share one pattern.
        return reverse("customers:detail", args=[0]).replace("/0/", "/{}/")

    def render_cell(self, customer, name):
        if name == "name":
            return format_html('<a href="{}">{}</a>', self._detail_url.format(customer.pk), customer.name)
        if name == "phone" and customer.phone:  # the role may read it: hidden columns are never printed
            return format_html('<a href="tel:{}">{}</a>', customer.phone, customer.phone)
        if name == "email" and customer.email:
            return format_html('<a href="mailto:{}">{}</a>', customer.email, customer.email)
        if name == "tags":
            tags = loaded_values(customer, "tags")
            if tags is NOT_LOADED:  # a page that did not go through prepare_rows (a one-row partial)
                tags = [tag.name for tag in customer.tags.all()]
            return format_html_join("", '<span class="badge text-bg-light border">{}</span> ',
                                    ((tag,) for tag in tags))
        if name in self._swatches and (colour := self._swatches[name].get(getattr(customer, name))):
            # A level or stage reads at a glance by its colour (the dictionary's, or the stage's), beside its name.
            return format_html('<span class="crm-swatch" data-color="{}" aria-hidden="true"></span>{}', colour,
                               super().render_cell(customer, name))
        if name == "owner" and customer.in_pool:
            return format_html('<span class="badge text-bg-info">{}</span>', _("Public pool"))
        if name in ("owner", "department"):
            return printed(getattr(customer, name) or "")
        return super().render_cell(customer, name)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "tags": Tag.objects.all(),
            "users": User.objects.filter(is_active=True),
            "can_create": user.has_module_perm("customers", "create"),
            "can_delete": user.has_module_perm("customers", "delete"),
            "bulk_url": reverse("customers:bulk"),
            "bulk_actions": [(code, label) for code, label in BULK_ACTION_LABELS
                             if user.has_module_perm("customers", BULK_ACTIONS[code])],
        }


BULK_ACTION_LABELS = [("assign", gettext_lazy("Assign owner")), ("tag", gettext_lazy("Add tags")),
                      ("untag", gettext_lazy("Remove tags")), ("pool", gettext_lazy("Release to the pool")),
                      ("delete", gettext_lazy("Delete"))]


class CustomerBulkView(ModulePermissionMixin, generic.View):
    """POST from the list's selection bar: the service checks each record; the message says what was skipped.
    Deleting and releasing to the pool ask first (with the count, core/list/bulk_confirm.html); a delete can be
    undone from the next page (the recycle bin keeps everything)."""

    module = "customers"

    def post(self, request):
        back = f"{reverse('customers:list')}?{request.POST.get('next_query', '')}"
        action = request.POST.get("action", "")
        ids = parse_ids(request.POST.getlist("ids"))
        owner_id = parse_id(request.POST.get("owner"))
        owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
        tag_names = [name for name in request.POST.get("tags", "").replace("，", ",").split(",") if name.strip()]
        request_args = {"actor": request.user, "action": action, "ids": ids, "owner": owner,
                        "tag_names": tag_names, "reason": request.POST.get("reason", "")}
        try:
            if action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "1":
                validate_bulk_request(**request_args)
                return self.confirmation(request, action, ids, back)
            result = bulk_update_customers(**request_args)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(back)
        done = len(result.done)
        if result.skipped:
            reasons = "; ".join(sorted(set(result.skipped.values())))
            messages.warning(request, ngettext("%(count)d customer skipped: %(reasons)s",
                                               "%(count)d customers skipped: %(reasons)s", len(result.skipped))
                             % {"count": len(result.skipped), "reasons": reasons})
        text = DONE_MESSAGES.get(action, DONE_MESSAGES["update"]) % {"count": done}
        if action == "delete" and done:  # the message comes with its Undo button
            offer_undo(request, url=reverse("customers:bulk"), text=text,
                       fields=[("action", "restore"), ("next_query", request.POST.get("next_query", "")),
                               *(("ids", pk) for pk in result.done)])
        elif done:
            messages.success(request, text)
        return HttpResponseRedirect(back)

    def confirmation(self, request, action: str, ids: list[int], back: str):
        names = list(bulk_selection(actor=request.user, action=action, ids=ids)
                     .order_by("name", "pk").values_list("name", flat=True))
        count = len(names)
        if action == "delete":
            question = ngettext("Delete %(count)d customer?", "Delete %(count)d customers?", count)
            explanation = _("They go to the recycle bin with their contacts and follow-ups; you can undo this "
                            "straight after, and an administrator can restore them later.")
            label = ngettext("Delete %(count)d customer", "Delete %(count)d customers", count)
        else:
            question = ngettext("Release %(count)d customer to the public pool?",
                                "Release %(count)d customers to the public pool?", count)
            explanation = _("Their owners lose them, and any rep may claim them from the pool. The reason is "
                            "kept in each customer's history.")
            label = ngettext("Release %(count)d customer", "Release %(count)d customers", count)
        return confirm_bulk_action(request, question=question % {"count": count}, explanation=explanation,
                                   confirm_label=label % {"count": count}, names=names, selected=len(set(ids)),
                                   back=back)


# Bulk actions that ask before they run: what they do is hard to see on the list afterwards.
CONFIRMED_ACTIONS = {"delete", "pool"}
DONE_MESSAGES = {
    "update": ngettext_lazy("%(count)d customer updated.", "%(count)d customers updated.", "count"),
    "delete": ngettext_lazy("%(count)d customer moved to the recycle bin.",
                            "%(count)d customers moved to the recycle bin.", "count"),
    "pool": ngettext_lazy("%(count)d customer released to the public pool.",
                          "%(count)d customers released to the public pool.", "count"),
    "restore": ngettext_lazy("%(count)d customer restored.", "%(count)d customers restored.", "count"),
}


class RecycleBinView(ScopedListView):
    """Deleted customers the user could delete; administrators restore or purge them. Headers sort (the base
    list view's mechanics); the columns are fixed."""

    model = Customer
    action = "delete"
    template_name = "customers/recycle_bin.html"
    columns = ["name", "owner", "deleted_at", "deleted_by"]
    column_labels = {"name": gettext_lazy("Name"), "owner": gettext_lazy("Owner"),
                     "deleted_at": gettext_lazy("Deleted at"), "deleted_by": gettext_lazy("Deleted by")}
    sortable = {"name", "deleted_at"}
    default_sort = "-deleted_at"

    def get_queryset(self):
        # The default manager hides deleted customers: the bin reads all_objects, in the same scope.
        return (Customer.all_objects.visible_to(self.request.user, "delete").filter(deleted_at__isnull=False)
                .select_related("deleted_by", "owner").order_by(*self.get_ordering()))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "can_manage": self.request.user.has_module_perm("system", "edit")}


class RecycleBinActionView(ModulePermissionMixin, generic.View):
    module = "customers"
    action = "delete"

    def post(self, request, pk, operation):
        if operation not in ("restore", "purge"):
            raise Http404
        customer = get_object_or_404(
            Customer.all_objects.visible_to(request.user, "delete").filter(deleted_at__isnull=False), pk=pk)
        try:
            if operation == "restore":
                services.restore_customer(actor=request.user, customer=customer)
                messages.success(request, _("Customer restored."))
            else:
                services.purge_customer(actor=request.user, customer=customer)
                messages.success(request, _("Customer deleted for good."))
        except DomainError as error:
            messages.error(request, error.message)
        return HttpResponseRedirect(reverse("customers:recycle_bin"))


class CustomerDetailView(ScopedDetailView):
    model = Customer
    template_name = "customers/customer_detail.html"
    detail_fields = ["number", "name", "kind", "customer_type", "phone", "phone_extension", "email", "industry",
                     "scale", "source", "level", "credit_rating", "lifecycle_stage", "city", "address", "owner",
                     "department", "first_order_at", "last_follow_up_at", "next_follow_up_at", "remark",
                     "credit_code", "tax_number", "invoice_address", "invoice_phone", "bank_name", "bank_account",
                     "created_at", "updated_at"]

    def get_page_flags(self) -> dict:
        return {**super().get_page_flags(), "can_unmask": self.request.user.has_module_perm("customers", "unmask")}

    def timeline(self):
        return timeline_page(self.object, self.request.user)

    def get_context_data(self, **kwargs):
        entries, cursor = self.timeline()
        context = super().get_context_data(**kwargs)
        composer = None
        if context["can_edit"] and not context.get("pool_preview"):
            composer = ActivityComposerForm(customer=self.object)
        return {**context, "entries": entries, "cursor": cursor, "composer": composer, "customer": self.object,
                **summary_context(self.request.user, self.object, self.detail_fields),
                "collaborators": self.object.collaborators.all()}


# The key facts at the top of a customer's page, of those the page shows (a pool preview shows fewer).
SUMMARY_FIELDS = ["number", "lifecycle_stage", "level", "owner", "phone", "email", "city", "last_follow_up_at",
                  "next_follow_up_at"]


def summary_context(user, customer: Customer, shown: list[str]) -> dict:
    wanted = [name for name in SUMMARY_FIELDS if name in shown]
    return {"facts": visible_field_values(user, customer, wanted), "tags": customer.tags.all(), "now": timezone.now()}


class CustomerCreateView(ScopedCreateView):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_initial(self):
        return {"owner": self.request.user}

    def create(self, data):
        return services.create_customer(actor=self.request.user, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if "name" in form.fields:
            # The possible-duplicates warning, under the name, fed by whichever of these fields the role has.
            context.update(form_slot_template="customers/duplicates/_possible_slot.html", form_slot_after="name",
                           duplicate_fields=[name for name in ("name", "phone", "email") if name in form.fields])
        return context

    def get_success_url(self):
        return self.object.get_absolute_url()


class CustomerUpdateView(ScopedUpdateView):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "owner" in form.fields:
            owner = form.fields["owner"]
            if not services.may_change_owner(self.request.user, self.object):
                owner.disabled = True  # shown, not changeable: the service refuses it anyway
            elif self.object.owner_id:
                owner.required = True
                owner.error_messages["required"] = _(
                    "A customer always has an owner; release it to the public pool to give it up.")
        return form

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

    def load(self, request, *args, **kwargs):
        self.customer = get_object_or_404(Customer.objects.visible_to(request.user, "edit"), pk=kwargs["pk"])

    def perform(self, form):
        return services.create_contact(actor=self.request.user, customer=self.customer, data=form.cleaned_data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer}


class ContactUpdateView(VersionedUpdateMixin, ContactFormMixin, generic.UpdateView):
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
        return services.update_contact(actor=self.request.user, contact=self.get_object(), data=changed_values(form))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.object.customer}


class ContactRevealView(ModulePermissionMixin, generic.View):
    """htmx: swaps a contact's masked values for the real ones; the service writes the audit row."""

    module = "customers"
    action = "unmask"

    def get(self, request, pk):
        contact = get_object_or_404(Contact.objects.visible_to(request.user, "unmask"), pk=pk)
        values = services.reveal_contact(actor=request.user, contact=contact)
        can_edit = Contact.objects.visible_to(request.user, "edit").filter(pk=contact.pk).exists()
        return render(request, "customers/_contact_row.html", {"contact": contact, "revealed": values,
                                                               "can_edit": can_edit, "can_unmask": True})


class ActivityCreateView(ServiceFormMixin, ModulePermissionMixin, generic.CreateView):
    """Log a follow-up from the customer page."""

    module = "customers"
    action = "edit"
    form_class = ActivityForm
    template_name = "customers/activity_form.html"

    def load(self, request, *args, **kwargs):
        self.customer = get_object_or_404(Customer.objects.visible_to(request.user, "edit"), pk=kwargs["pk"])

    def get_form_class(self):
        return ActivityComposerForm if self.request.htmx else ActivityForm

    def get_template_names(self):
        return ["customers/_activity_composer.html"] if self.request.htmx else [self.template_name]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.customer}

    def perform(self, form):
        return services.log_activity(actor=self.request.user, customer=self.customer, data=form.cleaned_data)

    def form_valid(self, form):
        response = super().form_valid(form)
        if not self.request.htmx or response.status_code != 302:
            return response
        # The composer logged it: a fresh composer, the timeline's first page and the key facts (last and next
        # follow-up moved) replace the old ones in place.
        entries, cursor = timeline_page(self.customer, self.request.user)
        return render(self.request, "customers/_activity_composer.html", {
            "customer": self.customer, "form": ActivityComposerForm(customer=self.customer), "saved": True,
            "object": self.customer, "entries": entries, "cursor": cursor, "pool_preview": False,
            **summary_context(self.request.user, self.customer, CustomerDetailView.detail_fields)})

    def next_url(self) -> str:
        """Where the user logged it from (the home page's quick log), if it is a page of this site."""
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={self.request.get_host()},
                                               require_https=self.request.is_secure())
        return wanted if safe and wanted.startswith("/") else ""

    def get_success_url(self):
        return self.next_url() or self.customer.get_absolute_url()

    def get_success_message(self) -> str:
        return "" if self.request.htmx else _("Follow-up logged.")  # the composer says it in place

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "customer": self.customer, "next": self.next_url()}


class TimelineView(ScopedQuerysetMixin, generic.DetailView):
    """htmx: one page of a customer's timeline, older than ?before=. (A pool customer's preview pages through
    its own, ``PoolTimelineView``.)"""

    model = Customer
    template_name = "customers/_timeline.html"

    def get_context_data(self, **kwargs):
        before = parse_datetime_param(self.request.GET.get("before"))
        entries, cursor = timeline_page(self.object, self.request.user, before=before)
        return {**super().get_context_data(**kwargs), "entries": entries, "cursor": cursor}


class DueFollowUpListView(ModulePermissionMixin, generic.ListView):
    """The signed-in rep's customers whose next follow-up is due today or overdue."""

    module = "customers"
    template_name = "customers/due_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Customer.objects.visible_to(self.request.user).follow_up_due(self.request.user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "now": timezone.now()}
