"""Demo data of the suite's module (`crm demo` calls ``load`` after the organisation). Idempotent."""

from crm.testing_app import services
from crm.testing_app.models import Project


def load(users) -> None:
    rep = users["sales1"]
    if not Project.objects.filter(name="演示项目", owner=rep).exists():
        project = services.create_project(actor=rep, data={"name": "演示项目", "status": "open", "budget": 50000})
        services.add_milestone(actor=rep, project=project, title="立项")
