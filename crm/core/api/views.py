"""Base API classes: the same permission and data-scope rules as the HTML views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Manager, QuerySet
from django.utils import translation
from rest_framework import permissions, relations, viewsets

from crm.core.fieldperms import hidden_fields, readonly_fields

if TYPE_CHECKING:
    from rest_framework import serializers, views

    # What the mixins are mixed into, as the type checker sees it; at run time they are plain classes.
    _APIViewBase = views.APIView
    _ModelSerializerBase = serializers.ModelSerializer

    class _ViewSetBase(viewsets.GenericViewSet):
        queryset: QuerySet  # a scoped viewset names its model through it

else:
    _APIViewBase = _ViewSetBase = _ModelSerializerBase = object

# HTTP method -> functional action of the module.
METHOD_ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "create",
                  "PUT": "edit", "PATCH": "edit", "DELETE": "delete"}


class ModuleActionPermission(permissions.BasePermission):
    """Requires ``module.<action>`` where action comes from the view's ``action_permissions`` or the HTTP method."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        module = view.get_module()
        return not module or request.user.has_module_perm(module, view.required_action())


class UserLanguageMixin(_APIViewBase):
    """Token-authenticated callers get answers in their preferred language too."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language


class ModuleViewSetMixin(UserLanguageMixin, _ViewSetBase):
    """Requires ``module.action`` (from the HTTP method or ``action_permissions``), as ModulePermissionMixin does
    for pages. For records without a data scope (users, departments, roles); scoped records use the subclass."""

    module: str = ""
    # Extra @action names -> functional action, e.g. {"merge": "edit"}. (Not "action_map": DRF uses that name.)
    action_permissions: dict[str, str] = {}
    permission_classes = [permissions.IsAuthenticated, ModuleActionPermission]

    def get_module(self) -> str:
        return self.module or getattr(self.queryset.model, "module", "")

    def required_action(self) -> str:
        if getattr(self, "action", None) in self.action_permissions:
            return self.action_permissions[self.action]
        return METHOD_ACTIONS.get(self.request.method or "", "view")


def scope_related_fields(serializer, user) -> None:
    """Every writable relation of ``serializer`` to a model with a data scope accepts only records ``user`` may
    see: an id out of their scope is refused with the message of an id that does not exist ("Invalid pk"), so a
    write cannot tell the one from the other. A serializer may narrow a relation further (customers the caller
    may edit); this only narrows."""
    from crm.core.filtersets import scoped_choices

    for field in serializer.fields.values():
        relation = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
        if not isinstance(relation, relations.RelatedField) or relation.read_only:
            continue
        queryset: Any = getattr(relation, "queryset", None)
        if isinstance(queryset, Manager):  # what ModelSerializer gives the fields it builds itself
            queryset = queryset.all()
        if isinstance(queryset, QuerySet) and hasattr(queryset.model._default_manager, "visible_to"):
            setattr(relation, "queryset", scoped_choices(queryset, user))  # noqa: B010  # the stubs type it oddly


class ScopedViewSetMixin(ModuleViewSetMixin):
    """Querysets start from visible_to(user, action): out-of-scope ids answer 404, as in the UI; so do ids of
    related records in a write (``scope_related_fields``)."""

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.request.user, self.required_action())

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and hasattr(serializer, "fields"):
            scope_related_fields(serializer, self.request.user)
        return serializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "model": self.queryset.model}


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class FieldPermissionSerializerMixin(_ModelSerializerBase):
    """Removes fields the caller may not read and makes fields they may not edit read-only.

    Writing a read-only field is refused with a per-field message rather than silently dropped.
    """

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return fields
        model = self.Meta.model
        for name in hidden_fields(request.user, model):
            fields.pop(name, None)
        for name in readonly_fields(request.user, model) - hidden_fields(request.user, model):
            if name in fields:
                fields[name].read_only = True
        return fields

    def to_internal_value(self, data):
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated and hasattr(data, "keys"):
            from django.utils.translation import gettext as _
            from rest_framework.exceptions import ValidationError

            denied = readonly_fields(request.user, self.Meta.model) & set(data.keys())
            if denied:
                raise ValidationError({name: [_("You may not change this field.")] for name in sorted(denied)})
        return super().to_internal_value(data)
