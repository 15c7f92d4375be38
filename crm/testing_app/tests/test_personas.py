"""The persona matrix on the suite's own module: a few declarative lines per model (crm/core/testing)."""

from crm.core.testing import PersonaMatrixTestCase
from crm.testing_app import services
from crm.testing_app.models import Deal, Milestone, Project


class ProjectPersonaTest(PersonaMatrixTestCase):
    model = Project
    list_url = "/testing/projects/"
    detail_url = "/testing/projects/{pk}/"
    edit_url = "/testing/projects/{pk}/edit/"
    delete_url = "/testing/projects/{pk}/delete/"
    export_url = "/testing/projects/export/"
    api_list_url = "/api/v1/projects/"
    api_detail_url = "/api/v1/projects/{pk}/"
    api_export_url = "/api/v1/projects/export/"
    search_entity = "project"
    hidden_field = "budget"
    readonly_field, readonly_value = "status", "done"

    @classmethod
    def make_record(cls, owner, label):
        return services.create_project(actor=owner, data={"name": label, "status": "open", "budget": 987654})

    def edit_form_data(self, record):
        return {"name": f"{record.name} changed", "status": "open", "budget": "987654"}

    def api_edit_data(self, record):
        return {"name": f"{record.name} changed"}


class DealPersonaTest(PersonaMatrixTestCase):
    model = Deal
    list_url = "/testing/deals/"
    edit_url = "/testing/deals/{pk}/edit/"
    api_list_url = "/api/v1/deals/"
    api_detail_url = "/api/v1/deals/{pk}/"

    @classmethod
    def make_record(cls, owner, label):
        return services.create_deal(actor=owner, data={"name": label})

    def edit_form_data(self, record):
        return {"name": record.name, "notes": "changed"}

    def api_edit_data(self, record):
        return {"notes": "changed"}


class MilestonePersonaTest(PersonaMatrixTestCase):
    """Scoped through its project: whoever sees the project sees the milestone."""

    model = Milestone
    api_list_url = "/api/v1/milestones/"
    api_detail_url = "/api/v1/milestones/{pk}/"
    api_edit = api_delete = False

    @classmethod
    def make_record(cls, owner, label):
        project = services.create_project(actor=owner, data={"name": f"{label} project"})
        return services.add_milestone(actor=owner, project=project, title=label)
