"""Duplicate customers: the list of groups, the panel on a customer's page, the compare-and-merge screen, and the
redirect from a merged-away customer's address to the one it was merged into."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import generic

from crm.core.errors import DomainError
from crm.core.parsing import parse_id, parse_ids
from crm.core.views import ModulePermissionMixin
from crm.customers.models import Customer
from crm.customers.services.merge import (
    REASONS,
    find_duplicate_groups,
    find_duplicates_of,
    find_possible_duplicates,
    merge_customers,
    mergeable_fields,
    reasons_for,
    survivor_of,
)

MAX_MERGED_AT_ONCE = 10
# A page token is an encrypted key of up to 200 characters: well under this.
MAX_AFTER = 2000


class DuplicateListView(ModulePermissionMixin, generic.TemplateView):
    """Groups of customers that look like one, by one reason at a time, a page at a time (?after=<the previous
    page's next_after>)."""

    module = "customers"
    action = "edit"
    template_name = "customers/duplicates/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        allowed = reasons_for(user)
        reason = self.request.GET.get("reason") or allowed[0]
        if reason not in allowed:
            raise Http404
        after = self.request.GET.get("after", "")[:MAX_AFTER]
        try:
            page = find_duplicate_groups(user, reason, after=after, limit=20)
        except DomainError as error:  # a damaged or outdated ?after=: say so and show the first page
            messages.error(self.request, error.message)
            after = ""
            page = find_duplicate_groups(user, reason, limit=20)
        next_url = f"?{urlencode({'reason': reason, 'after': page.next_after})}" if page.next_after else ""
        return {
            **super().get_context_data(**kwargs),
            "reason": reason,
            "page": page,
            "next_url": next_url,
            "is_first_page": not after,
            "tabs": [(code, REASONS[code][2]) for code in allowed],
            "can_merge": user.has_module_perm("customers", "delete"),
        }


class CustomerDuplicatesView(ModulePermissionMixin, generic.TemplateView):
    """Possible duplicates of one customer: a panel loaded into its 360° page, or a page of its own."""

    module = "customers"
    action = "edit"

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return ["customers/duplicates/_panel.html"]
        return ["customers/duplicates/customer.html"]

    def get_context_data(self, **kwargs):
        customer = get_object_or_404(Customer.objects.visible_to(self.request.user, "edit"), pk=kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "customer": customer,
            "matches": find_duplicates_of(self.request.user, customer),
            "can_merge": self.request.user.has_module_perm("customers", "delete"),
        }


class PossibleDuplicatesView(ModulePermissionMixin, generic.View):
    """htmx, from the new-customer form as the user types the name, phone or e-mail: the customers it may
    duplicate. A warning only: the form saves whatever this says. POSTed, so the typed phone and e-mail stay out
    of URLs and logs."""

    module = "customers"
    action = "create"

    def post(self, request):
        # NUL never belongs in a name, phone or e-mail, and PostgreSQL refuses it in a query parameter.
        typed = {key: request.POST.get(key, "").replace("\x00", "") for key in ("name", "phone", "email")}
        found = find_possible_duplicates(request.user, **typed)
        return render(request, "customers/duplicates/_possible.html", {"found": found})


def _parse_ids(values: list[str]) -> list[int]:
    if any(parse_id(value) is None for value in values):
        raise ValidationError(_("Customer ids must be whole numbers."))
    return parse_ids(values)


class MergeView(ModulePermissionMixin, generic.View):
    """Compare the chosen customers side by side, pick the survivor and each differing value, then merge.

    Needs customers.edit and customers.delete (the merged customers are deleted); every customer must be in the
    user's scope, else 404.
    """

    module = "customers"
    action = "delete"
    template_name = "customers/duplicates/merge.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_module_perm("customers", "edit"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _customers(self, ids: list[int]) -> list[Customer]:
        customers = list(
            Customer.objects.visible_to(self.request.user, "delete")
            .filter(pk__in=ids)
            .select_related("owner", "department")
            .annotate(contact_count=Count("contacts", distinct=True), activity_count=Count("activities", distinct=True))
        )
        if len(customers) != len(ids):
            raise Http404
        return sorted(customers, key=lambda c: ids.index(c.pk))

    def _bad_request(self, message: str):
        messages.error(self.request, message)
        return redirect("customers:duplicates")

    def get(self, request):
        try:
            ids = _parse_ids(request.GET.getlist("ids"))
        except ValidationError as error:
            return self._bad_request(error.messages[0])
        if not 2 <= len(ids) <= MAX_MERGED_AT_ONCE:
            return self._bad_request(
                _("Choose between 2 and %(max)s customers to merge.") % {"max": MAX_MERGED_AT_ONCE}
            )
        customers = self._customers(ids)
        survivor_id = request.GET.get("survivor", "")
        survivor = next((c for c in customers if str(c.pk) == survivor_id), customers[0])
        return self._render(customers, survivor, choices={})

    def post(self, request):
        try:
            ids = _parse_ids(request.POST.getlist("ids"))
            survivor_id = _parse_ids([request.POST.get("survivor", "")])[0]
        except (ValidationError, IndexError):
            return self._bad_request(_("Choose the customer to keep."))
        if not 2 <= len(ids) <= MAX_MERGED_AT_ONCE or survivor_id not in ids:
            return self._bad_request(
                _("Choose between 2 and %(max)s customers to merge, one of them to keep.") % {"max": MAX_MERGED_AT_ONCE}
            )
        customers = self._customers(ids)
        survivor = next(c for c in customers if c.pk == survivor_id)
        choices = {}
        for name in mergeable_fields(request.user):
            chosen = parse_id(request.POST.get(f"field_{name}", ""))
            if chosen in ids:
                choices[name] = chosen
        try:
            result = merge_customers(
                actor=request.user,
                survivor=survivor,
                others=[c for c in customers if c.pk != survivor.pk],
                field_choices=choices,
            )
        except DomainError as error:
            return self._render(customers, survivor, choices, error=error.message, status=400)
        except ValidationError as error:
            return self._render(customers, survivor, choices, error=" ".join(error.messages), status=400)
        messages.success(
            request,
            ngettext("Merged %(count)d customer into %(name)s.", "Merged %(count)d customers into %(name)s.",
                     len(result.merged))
            % {"count": len(result.merged), "name": result.survivor.name},
        )
        return HttpResponseRedirect(result.survivor.get_absolute_url())

    def _render(
        self, customers: list[Customer], survivor: Customer, choices: dict[str, int], error: str = "", status: int = 200
    ):
        rows = []
        for name in mergeable_fields(self.request.user):
            field = Customer._meta.get_field(name)
            values = [(c, _display(c, name), getattr(c, field.attname)) for c in customers]
            differs = len({raw for _c, _shown, raw in values}) > 1
            chosen = choices.get(name)
            if chosen is None:  # the survivor's value, unless it is empty and another customer has one
                chosen = survivor.pk
                if getattr(survivor, field.attname) in (None, ""):
                    chosen = next((c.pk for c, _shown, raw in values if raw not in (None, "")), survivor.pk)
            rows.append(
                {
                    "name": name,
                    "label": field.verbose_name,
                    "differs": differs,
                    "chosen": chosen,
                    "values": [(c, shown) for c, shown, _raw in values],
                }
            )
        return render(
            self.request,
            self.template_name,
            {
                "customers": customers,
                "survivor": survivor,
                "rows": rows,
                "error": error,
                "back_url": reverse("customers:duplicates"),
            },
            status=status,
        )


def _display(customer: Customer, name: str) -> str:
    display = getattr(customer, f"get_{name}_display", None)
    value = display() if callable(display) else getattr(customer, name)
    return "" if value is None else str(value)


def redirect_merged(view):
    """Wraps the customer page: the address of a customer merged away leads to the one it was merged into
    (when the user may see that one); anything else stays a 404."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            survivor = survivor_of(kwargs["pk"], request.user) if request.user.is_authenticated else None
            if survivor is None:
                raise
            messages.info(request, _("That customer was merged into %(name)s.") % {"name": survivor.name})
            return HttpResponseRedirect(survivor.get_absolute_url())

    return wrapped
