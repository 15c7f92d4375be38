"""One error format for the whole API:

    {"error": {"code": "invalid", "message": "…", "fields": {"name": ["This field is required."]}}}

``fields`` appears only for validation errors; messages are in the caller's language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.core.concurrency import StaleVersionError
from crm.core.errors import DomainError


class Conflict(exceptions.APIException):
    """The write was based on an old version of the record (``version`` in the body)."""

    status_code: int = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail=None, *, current_version: int | None = None):
        super().__init__(detail)
        self.current_version = current_version


class PreconditionFailed(Conflict):
    """``If-Match`` named another version than the record's current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def _flatten(detail) -> dict[str, Any] | list[Any]:  # nested as the serializer's fields are
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, StaleVersionError):
        exc = Conflict(exc.message, current_version=exc.current)
    elif isinstance(exc, DomainError) and exc.code == "permission_denied":
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({exc.field: [exc.message]} if exc.field else [exc.message])
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    error: dict = {"code": getattr(exc, "default_code", "error"), "message": ""}
    if isinstance(exc, exceptions.ValidationError):
        error["code"] = "invalid"
        error["message"] = _("The request has invalid fields.")
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            non_field = detail.pop("non_field_errors", None)
            error["fields"] = detail
            if non_field:
                error["message"] = " ".join(non_field)
        else:
            error["message"] = " ".join(str(item) for item in detail)
    else:
        error["message"] = str(exc.detail if isinstance(exc, exceptions.APIException) else exc)
        # The stubs leave out the attribute Throttled.__init__ sets.
        if isinstance(exc, Conflict) and exc.current_version is not None:
            error["current_version"] = exc.current_version  # what to send back after reloading
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:  # type: ignore[attr-defined]
            error["retry_after"] = int(exc.wait)  # type: ignore[attr-defined]
    response.data = {"error": error}
    return response


def api_404(request, exception=None):
    return Response({"error": {"code": "not_found", "message": _("Not found.")}}, status=status.HTTP_404_NOT_FOUND)
