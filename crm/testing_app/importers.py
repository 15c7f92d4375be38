"""Projects from a spreadsheet: the shared import machinery (crm/imports) given this module's fields; the write is
the module's bulk service, so imported projects get numbers, derived columns and audit rows like any other."""

from django.core.exceptions import ValidationError

from crm.imports.registry import Analysis, Importer, ImportField, RowOutcome, WriteResult, register_importer
from crm.imports.validation import FieldCleaner
from crm.testing_app import services
from crm.testing_app.models import Project


class ProjectImporter(Importer):
    entity = "testing_app.project"
    label = "Projects"
    module = "testing_app"
    list_url_name = "testing_app:project_list"
    fields = (
        ImportField("name", "Name", required=True, aliases=("项目名称", "project")),
        ImportField("status", "Status", aliases=("状态",)),
        ImportField("budget", "Budget", aliases=("预算",)),
    )

    def analyse(self, *, actor, rows, policy, progress):
        cleaners = {f.key: FieldCleaner(Project, f.key) for f in self.fields}
        plan, outcomes = [], []
        for row in rows:
            clean, messages = {}, []
            for key, cleaner in cleaners.items():
                raw = row.values.get(key, "").strip()
                if not raw and cleaner.field.blank:  # an empty optional cell: the field's empty value
                    clean[key] = None if cleaner.field.null else ""
                    continue
                try:
                    clean[key] = cleaner(raw)
                except ValidationError as error:
                    messages += [f"{key}: {m}" for m in FieldCleaner.messages(error)]
            if messages:
                outcomes.append(RowOutcome(row=row.number, action="error", messages=messages, cells=row.cells))
            else:
                plan.append(clean)
        progress(len(rows))
        return Analysis(total=len(rows), outcomes=outcomes, to_create=len(plan), to_update=0, plan=plan)

    def write(self, *, actor, analysis, progress):
        created = services.import_projects(actor=actor, rows=analysis.plan)
        progress(len(created))
        return WriteResult(created=len(created), updated=0)


register_importer(ProjectImporter())
