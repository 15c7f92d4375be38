from rest_framework import serializers

from crm.imports.models import ImportJob
from crm.imports.services import SHOWN_ISSUES


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(source="progress_percent", read_only=True)
    issues = serializers.SerializerMethodField(
        help_text=f"The first {SHOWN_ISSUES} rows with errors or duplicates; the report has all of them."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "entity",
            "original_name",
            "file_format",
            "encoding",
            "headers",
            "mapping",
            "duplicate_policy",
            "status",
            "total_rows",
            "processed_rows",
            "written_rows",
            "progress",
            "created_count",
            "updated_count",
            "skipped_count",
            "error_count",
            "duplicate_count",
            "message",
            "issues",
            "created_at",
            "previewed_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_issues(self, job) -> list[dict]:
        return [{k: v for k, v in issue.items() if k != "cells"} for issue in job.issues[:SHOWN_ISSUES]]


class ImportUploadSerializer(serializers.Serializer):
    entity = serializers.CharField(help_text="What to import, e.g. customers.")
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030/GBK) or .xlsx; first row = headings.")


class ImportMappingSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="{column heading: field key}; leave a column out to ignore it.",
    )
    duplicate_policy = serializers.ChoiceField(choices=ImportJob.Policy.choices, default=ImportJob.Policy.SKIP)


class ImportFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    help_text = serializers.CharField()
