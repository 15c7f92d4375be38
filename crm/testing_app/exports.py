"""The export of projects: the generic exporter (crm/core/exports.py) given a spec, as any module does."""

from crm.core.exports import Column, ExportSpec, dictionary_labels
from crm.testing_app.models import Project

PROJECT_EXPORT = ExportSpec(
    model=Project,
    title="Projects",
    columns=(
        Column("id", "ID", width=10),
        Column("name", "Name", width=30),
        Column("status", "Status", display=dictionary_labels("project_status")),
        Column("budget", "Budget"),
    ),
)
