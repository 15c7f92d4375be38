"""/api/v1/imports/: the same workflow as the pages — upload, mapping, preview, run, status, error report."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from crm.core.api.views import UserLanguageMixin
from crm.imports import services
from crm.imports.api.serializers import (
    ImportFieldSerializer,
    ImportJobSerializer,
    ImportMappingSerializer,
    ImportUploadSerializer,
)
from crm.imports.models import ImportJob
from crm.imports.registry import get_importer, importers_for


class ImportJobViewSet(UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's imports. Each needs ``<module>.import`` on the module of what it imports."""

    serializer_class = ImportJobSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["entity", "status"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        entities = [i.entity for i in importers_for(self.request.user)]
        return ImportJob.objects.visible_to(self.request.user).filter(entity__in=entities)

    def check_entity(self, entity: str) -> None:
        importer = get_importer(entity)
        if importer is None:
            raise exceptions.ValidationError(
                {"entity": [_("Nothing called “%(entity)s” can be imported.") % {"entity": entity}]}
            )
        if not self.request.user.has_module_perm(importer.module, "import"):
            raise exceptions.PermissionDenied()

    def list(self, request, *args, **kwargs):
        if not importers_for(request.user):
            raise exceptions.PermissionDenied()
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer, 202: ImportJobSerializer},
    )
    def create(self, request):
        """Upload a file: answers the new job with its headings and a first mapping (remembered or guessed). The
        file is read by the task queue; one it has not read within a few seconds answers 202 with status
        "reading": poll GET /imports/{id}/ until it is "draft" (read) or "failed" (refused, with the reason)."""
        if not hasattr(request.data, "get"):
            raise exceptions.ValidationError([_("Send a form with the fields “entity” and “file”.")])
        entity = str(request.data.get("entity", ""))
        self.check_entity(entity)
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.start_import(actor=request.user, entity=entity, upload=serializer.validated_data["file"])
        reading = job.status == ImportJob.Status.READING
        return Response(
            ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED if reading else status.HTTP_201_CREATED
        )

    @extend_schema(request=ImportMappingSerializer, responses=ImportJobSerializer)
    @action(detail=True, methods=["post"])
    def mapping(self, request, pk=None):
        """Set the column mapping and the duplicate policy (skip, update or create); remembered for the same
        headings."""
        job = self.get_object()
        serializer = ImportMappingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.set_mapping(
            actor=request.user,
            job=job,
            mapping=serializer.validated_data["mapping"],
            duplicate_policy=serializer.validated_data["duplicate_policy"],
        )
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=None, responses={200: ImportJobSerializer, 202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """The dry run: counts and per-row errors and duplicates; nothing is written. A large file is checked in
        the background: 202 with status "checking"; poll GET /imports/{id}/ until it is "previewed"."""
        job = services.start_preview(actor=request.user, job=self.get_object())
        checking = job.status == ImportJob.Status.CHECKING
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED if checking else 200)

    @extend_schema(request=None, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        """Queue a previewed job; poll GET /imports/{id}/ for its status and progress."""
        job = services.queue_import(actor=request.user, job=self.get_object())
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """Every row with an error or a duplicate, as CSV in UTF-8 with a BOM."""
        job = self.get_object()
        response = HttpResponse(services.error_report_csv(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"import-{job.pk}-errors.csv")
        return response

    @extend_schema(
        parameters=[OpenApiParameter("entity", str, required=True)], responses=ImportFieldSerializer(many=True)
    )
    @action(detail=False, methods=["get"])
    def fields(self, request):
        """The fields of an entity that columns can be mapped to."""
        entity = request.query_params.get("entity", "")
        self.check_entity(entity)
        return Response(
            ImportFieldSerializer(
                [
                    {"key": f.key, "label": str(f.label), "required": f.required, "help_text": str(f.help_text)}
                    for f in get_importer(entity).fields
                ],
                many=True,
            ).data
        )

    def get_object(self):
        job = super().get_object()
        self.check_entity(job.entity)
        return job
