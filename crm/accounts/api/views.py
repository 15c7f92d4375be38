"""The API doors of accounts: the token, users, departments, roles and the caller's own profile.

Users, departments and roles need the ``system`` module, action by action, exactly as their pages do; the
profile endpoints need only a signed-in caller. Every change goes through crm/accounts/services.py.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import update_session_auth_hash
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from crm.accounts import services
from crm.accounts.api.serializers import (
    DepartmentSerializer,
    DepartmentTree,
    NewTokenSerializer,
    PasswordChangeSerializer,
    PasswordResetSerializer,
    ProfileSerializer,
    RoleCatalogueSerializer,
    RoleSerializer,
    TokenRegenerateSerializer,
    TokenStateSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from crm.accounts.filtersets import UserFilterSet
from crm.accounts.models import DATA_SCOPE_CHOICES, Department, Role, User
from crm.core.api.views import ModuleViewSetMixin, UserLanguageMixin
from crm.core.permissions import ACTIONS, modules


class TokenRequestSerializer(AuthTokenSerializer):
    # Bounded like the user model's field: an absurd name is refused before it reaches the lock-out records.
    username = serializers.CharField(label=_("User name"), max_length=150, write_only=True)
    password = serializers.CharField(label=_("Password"), max_length=4096, write_only=True,
                                     style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """POST username and password, get {"token": ...} for ``Authorization: Token <token>``.

    Goes through authenticate(), so lockout and the failed log-in audit apply as on the login page.
    """

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        # Only a well-formed name can be locked; anything else is refused by the serializer below.
        plausible = isinstance(username, str) and 0 < len(username) <= 150 and "\x00" not in username
        if plausible and AxesProxyHandler.is_locked(request._request, credentials={"username": username}):
            from crm.accounts.views import lockout_response

            return lockout_response(request._request, {"username": username})
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token = services.obtain_api_token(user=serializer.validated_data["user"])
        return Response({"token": token.key})


# --- Administration: the "system" module, as the pages under /system/ ---------------------------------------

class SystemViewSetMixin(ModuleViewSetMixin):
    module = "system"


class UserViewSet(SystemViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Users. Not deleted, deactivated: PATCH ``{"is_active": false}`` (they can no longer sign in)."""

    queryset = User.objects.select_related("department", "manager").prefetch_related("roles")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "name", "employee_no"]
    ordering_fields = ["username", "name", "employee_no", "date_joined", "last_login", "updated_at"]
    action_permissions = {"password": "edit"}

    def get_serializer_class(self):
        if self.action == "create":
            return UserCreateSerializer
        if self.action == "password":
            return PasswordResetSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        password = data.pop("password")
        serializer.instance = services.create_user(actor=self.request.user, data=data, password=password)

    def perform_update(self, serializer):
        serializer.instance = services.update_user(actor=self.request.user, user=serializer.instance,
                                                   data=serializer.validated_data)

    @extend_schema(request=PasswordResetSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def password(self, request, pk=None):
        """Sets a new password for the user (system.edit), checked against the password rules. The user's
        sessions end and their API token is revoked."""
        user = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_password(actor=request.user, user=user, password=serializer.validated_data["password"])
        if request.user.pk == user.pk:
            _keep_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DepartmentViewSet(SystemViewSetMixin, viewsets.ModelViewSet):
    """The department tree. Each department lists its ``parent``, ``depth``, ``path`` and ``children`` ids.

    DELETE is refused (400, with why) while sub-departments, members or records belong to the department.
    """

    queryset = (Department.objects.select_related("head").annotate(member_count=Count("members"))
                .order_by("sort_order", "name", "pk"))
    serializer_class = DepartmentSerializer
    filterset_fields = ["parent", "is_active"]
    search_fields = ["name", "code"]
    ordering_fields = ["sort_order", "name", "code", "created_at"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.method == "GET":
            context["department_tree"] = DepartmentTree()  # one query for the whole page's paths and depths
        return context

    def perform_create(self, serializer):
        serializer.instance = services.create_department(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_department(actor=self.request.user, department=serializer.instance,
                                                         data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_department(actor=self.request.user, department=instance)


class RoleViewSet(SystemViewSetMixin, viewsets.ModelViewSet):
    """Roles: data scope, permissions and field rules; ``users`` lists who holds the role.

    DELETE is refused (400) while users hold the role. ``catalogue/`` lists the codes a role can be given.
    """

    # Explicit order: a GROUP BY query does not use Meta.ordering.
    queryset = Role.objects.annotate(user_count=Count("users")).order_by("name", "pk").prefetch_related(
        Prefetch("users", queryset=User.objects.only("id")))
    serializer_class = RoleSerializer
    filterset_fields = ["data_scope"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]
    action_permissions = {"catalogue": "view"}

    def perform_create(self, serializer):
        serializer.instance = services.create_role(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_role(actor=self.request.user, role=serializer.instance,
                                                   data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_role(actor=self.request.user, role=instance)

    @extend_schema(responses=RoleCatalogueSerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def catalogue(self, request):
        """Every permission code and deniable field modules have registered, and the data scopes."""
        from django.apps import apps

        catalogue = {"modules": [], "data_scopes": [{"code": code, "label": str(label)}
                                                    for code, label in DATA_SCOPE_CHOICES]}
        for module in modules():
            fields = []
            for model_label, names in module.protected_fields.items():
                model = apps.get_model(model_label)
                fields += [{"code": f"{model_label}.{name}",
                            "label": f"{model._meta.verbose_name} · {model._meta.get_field(name).verbose_name}"}
                           for name in names]
            catalogue["modules"].append({
                "code": module.code, "label": str(module.label),
                "permissions": [{"code": f"{module.code}.{a}", "label": str(ACTIONS[a])} for a in module.actions],
                "protected_fields": fields,
            })
        return Response(RoleCatalogueSerializer(catalogue).data)


# --- The caller's own profile, password and token (any signed-in user, like the profile page) ----------------

def _keep_session(request) -> None:
    """A password change ends the other sessions (Django checks the hash); the caller's own session stays."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        update_session_auth_hash(request._request, request.user)


class OwnAccountView(UserLanguageMixin, GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends: list = []

    def get_object(self):
        return User.objects.select_related("department", "manager").get(pk=self.request.user.pk)


class ProfileView(OwnAccountView):
    """The caller's own record; PATCH changes what the profile page changes (name, phone, e-mail, language)."""

    serializer_class = ProfileSerializer

    def get(self, request):
        return Response(self.get_serializer(self.get_object()).data)

    def patch(self, request):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.update_user(actor=request.user, user=user, data=serializer.validated_data)
        return Response(self.get_serializer(user).data)


class OwnPasswordView(OwnAccountView):
    """Changes the caller's password; the current one is required. Other sessions end, this one stays; the
    caller's API token is revoked (a caller signed in by token asks for a new one with the new password)."""

    serializer_class = PasswordChangeSerializer

    @extend_schema(responses={204: None})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_password(actor=request.user, user=request.user,
                              password=serializer.validated_data["new_password"])
        _keep_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OwnTokenView(OwnAccountView):
    """The caller's API token (one per user): see whether it exists, replace it (the current password
    required; the new key is shown once) or revoke it."""

    serializer_class = TokenStateSerializer

    @extend_schema(responses=TokenStateSerializer)
    def get(self, request):
        return Response(TokenStateSerializer(services.api_token_state(user=request.user)).data)

    @extend_schema(request=TokenRegenerateSerializer, responses={201: NewTokenSerializer})
    def post(self, request):
        serializer = TokenRegenerateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        token = services.regenerate_api_token(actor=request.user, user=request.user)
        return Response(NewTokenSerializer({"token": token.key, "created": token.created}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.revoke_api_token(actor=request.user, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
