"""Sign-in pages, the user's own profile, and the admin pages for users, departments and roles."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import generic

from crm.accounts import services
from crm.accounts.filtersets import UserFilterSet
from crm.accounts.forms import (
    ApiTokenForm,
    DepartmentForm,
    ProfileForm,
    RoleForm,
    SetPasswordForm,
    UserCreateForm,
    UserForm,
)
from crm.accounts.models import DATA_SCOPE_LABELS, Department, Role, User
from crm.core.errors import DomainError
from crm.core.forms import changed_values
from crm.core.permissions import ACTIONS, modules
from crm.core.views import ModulePermissionMixin, ServiceFormMixin


def lockout_response(request, credentials, *args, **kwargs):
    """What django-axes answers once a user name is locked: the login page or the API error format, 429."""
    minutes = max(1, int(get_cool_off(request).total_seconds() // 60)) if get_cool_off(request) else 0
    message = _("Too many failed log-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked_out", "message": message}}, status=429)
    return render(request, "accounts/login.html", {"form": None, "locked_out_message": message}, status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(LoginRequiredMixin, generic.FormView):
    template_name = "accounts/form.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.set_password(actor=self.request.user, user=self.request.user,
                              password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Change password")}


class ProfileView(LoginRequiredMixin, ServiceFormMixin, generic.UpdateView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return User.objects.get(pk=self.request.user.pk)

    def perform(self, form):
        return services.update_user(actor=self.request.user, user=self.get_object(), data=changed_values(form))

    def get_context_data(self, **kwargs):
        return {"token": services.api_token_state(user=self.request.user),
                "token_form": ApiTokenForm(user=self.request.user), **super().get_context_data(**kwargs)}


class OwnTokenCreateView(LoginRequiredMixin, generic.View):
    """POST: a new API token for the signed-in user (current password required); the key is shown this once."""

    def post(self, request):
        form = ApiTokenForm(request.POST, user=request.user)
        context = {}
        if form.is_valid():
            token = services.regenerate_api_token(actor=request.user, user=request.user)
            context["new_token"] = token.key
            form = ApiTokenForm(user=request.user)
        profile = ProfileView(request=request, kwargs={})
        profile.object = profile.get_object()
        context = profile.get_context_data(**context, token_form=form)
        # Rendered, not redirected: the key must not travel through the session or a cookie.
        response = render(request, ProfileView.template_name, context)
        response["Cache-Control"] = "no-store"
        return response


class OwnTokenRevokeView(LoginRequiredMixin, generic.View):
    """POST: deletes the signed-in user's API token; every client using it gets 401 from then on."""

    def post(self, request):
        if services.revoke_api_token(actor=request.user, user=request.user):
            messages.success(request, _("Your API token has been revoked."))
        return HttpResponseRedirect(reverse("accounts:profile"))


# --- Admin pages: users, departments, roles (need the "system" module permission) ---------------------------

class SystemPermissionMixin(ModulePermissionMixin):
    module = "system"


class UserListView(SystemPermissionMixin, generic.ListView):
    template_name = "accounts/user_list.html"
    paginate_by = 50

    def get_queryset(self):
        users = User.objects.select_related("department", "manager").prefetch_related("roles")
        # A malformed filter value is left out (the API answers it with a 400); the others still apply.
        return UserFilterSet(self.request.GET, queryset=users, request=self.request).qs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "departments": Department.objects.all(),
                "roles": Role.objects.all()}


class UserCreateView(SystemPermissionMixin, ServiceFormMixin, generic.CreateView):
    action = "create"
    model = User
    form_class = UserCreateForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("accounts:user_list")

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"password1", "password2"}}
        return services.create_user(actor=self.request.user, data=data, password=form.cleaned_data["password1"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New user")}


class UserUpdateView(SystemPermissionMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    model = User
    form_class = UserForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("accounts:user_list")

    def perform(self, form):
        return services.update_user(actor=self.request.user, user=self.get_object(), data=changed_values(form))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Edit user %(name)s") % {"name": self.object},
                "extra_link": (reverse("accounts:user_password", args=[self.object.pk]), _("Reset password"))}


class UserPasswordView(SystemPermissionMixin, generic.FormView):
    action = "edit"
    form_class = SetPasswordForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("accounts:user_list")

    def load(self, request, *args, **kwargs):
        # After the sign-in and permission checks: anonymous callers get the log-in page for any id.
        self.target = get_object_or_404(User, pk=kwargs["pk"])

    def form_valid(self, form):
        services.set_password(actor=self.request.user, user=self.target, password=form.cleaned_data["password1"])
        messages.success(self.request, _("Password reset."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "title": _("Reset password of %(name)s") % {"name": self.target}}


class UnlockSignInView(SystemPermissionMixin, generic.View):
    """POST username=…: lifts a sign-in lockout before its cool-off ends (from the admin's home page)."""

    action = "edit"

    def post(self, request):
        username = request.POST.get("username", "")[:150]
        if services.unlock_sign_in(actor=request.user, username=username):
            messages.success(request, _("%(username)s may sign in again.") % {"username": username})
        else:
            messages.info(request, _("%(username)s was not locked out.") % {"username": username or "—"})
        return HttpResponseRedirect(reverse("home"))


class DepartmentListView(SystemPermissionMixin, generic.TemplateView):
    template_name = "accounts/department_list.html"

    def get_context_data(self, **kwargs):
        departments = list(Department.objects.select_related("head").annotate(member_count=Count("members")))
        children: dict[int | None, list[Department]] = {}
        for department in departments:
            children.setdefault(department.parent_id, []).append(department)
        rows: list[tuple[int, Department]] = []

        def walk(parent_id, depth):
            for department in children.get(parent_id, []):
                rows.append((depth, department))
                walk(department.pk, depth + 1)

        walk(None, 0)
        return {**super().get_context_data(**kwargs), "rows": rows}


class DepartmentCreateView(SystemPermissionMixin, ServiceFormMixin, generic.CreateView):
    action = "create"
    model = Department
    form_class = DepartmentForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("accounts:department_list")

    def perform(self, form):
        return services.create_department(actor=self.request.user, data=form.cleaned_data)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New department")}


class DepartmentUpdateView(SystemPermissionMixin, ServiceFormMixin, generic.UpdateView):
    action = "edit"
    model = Department
    form_class = DepartmentForm
    template_name = "accounts/form.html"
    success_url = reverse_lazy("accounts:department_list")

    def perform(self, form):
        return services.update_department(actor=self.request.user, department=self.get_object(),
                                          data=changed_values(form))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Edit department %(name)s") % {
            "name": self.object}, "delete_url": reverse("accounts:department_delete", args=[self.object.pk])}


class DeleteServiceView(SystemPermissionMixin, generic.View):
    """POST only: calls the delete service; a rule violation comes back as a message, nothing deleted."""

    action = "delete"
    model: type
    service = None
    success_url = ""

    def post(self, request, pk):
        instance = get_object_or_404(self.model, pk=pk)
        try:
            type(self).service(actor=request.user, **{self.model._meta.model_name: instance})
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Deleted."))
        return HttpResponseRedirect(reverse(self.success_url))


class DepartmentDeleteView(DeleteServiceView):
    model = Department
    service = services.delete_department
    success_url = "accounts:department_list"


class RoleListView(SystemPermissionMixin, generic.ListView):
    template_name = "accounts/role_list.html"

    def get_queryset(self):
        return Role.objects.annotate(user_count=Count("users"))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "scope_labels": DATA_SCOPE_LABELS}


class RoleFormMixin(SystemPermissionMixin, ServiceFormMixin):
    model = Role
    form_class = RoleForm
    template_name = "accounts/role_form.html"
    success_url = reverse_lazy("accounts:role_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        selected = set(form["permissions"].value() or [])
        context["matrix"] = [
            (module, [(action, f"{module.code}.{action}", f"{module.code}.{action}" in selected)
                      if action in module.actions else (action, None, False) for action in ACTIONS])
            for module in modules()
        ]
        context["actions"] = ACTIONS
        return context


class RoleCreateView(RoleFormMixin, generic.CreateView):
    action = "create"

    def perform(self, form):
        return services.create_role(actor=self.request.user, data=form.cleaned_data)


class RoleUpdateView(RoleFormMixin, generic.UpdateView):
    action = "edit"

    def perform(self, form):
        return services.update_role(actor=self.request.user, role=self.get_object(), data=changed_values(form))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "delete_url": reverse("accounts:role_delete", args=[self.object.pk])}


class RoleDeleteView(DeleteServiceView):
    model = Role
    service = services.delete_role
    success_url = "accounts:role_list"


