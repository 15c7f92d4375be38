"""``GET <list>/export/?format=csv|xlsx&<the list's filters>`` for any scoped viewset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from crm.core.exports import CSV, FILE_FORMATS, XLSX, ExportSpec, export_response, filters_for_audit

if TYPE_CHECKING:
    from crm.core.api.views import ScopedModelViewSet as _ViewSetBase  # what the mixin is mixed into
else:
    _ViewSetBase = object


class ExportActionMixin(_ViewSetBase):
    """Adds an ``export`` action to a ScopedModelViewSet: the rows of its list (same scope, filters, search and
    ordering, through the viewset's own filter backends) as a CSV or XLSX download. Needs ``<module>.export``.

    Set ``export_spec`` to the model's ExportSpec. ``format`` is DRF's content-negotiation parameter; for this
    action it names the file format instead, and errors still come back as JSON.
    """

    export_spec: ExportSpec

    def required_action(self) -> str:
        if getattr(self, "action", None) == "export":
            return "export"
        return super().required_action()

    def perform_content_negotiation(self, request, force=False):
        if getattr(self, "action", None) == "export":
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        filters=True,
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=[CSV, XLSX],
                default=CSV,
                description="File format: csv (UTF-8 with BOM, streamed) or xlsx.",
            )
        ],
        responses={
            (200, FILE_FORMATS[CSV].split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, FILE_FORMATS[XLSX]): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request, *args, **kwargs):
        """The rows of this list as a file: same scope and filters as the list, masked as the role requires,
        audited. Needs the module's export permission."""
        queryset = self.filter_queryset(self.get_queryset())
        file_format = request.query_params.get("format") or kwargs.get("format")
        return export_response(
            self.export_spec,
            queryset,
            user=request.user,
            file_format=file_format,
            filters=filters_for_audit(request.query_params),
        )
