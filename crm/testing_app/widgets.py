"""A home-page widget: how many projects the user may see, and the newest."""

from crm.core.dashboard import Widget
from crm.testing_app.models import Project


def my_projects(user):
    projects = Project.objects.visible_to(user)
    newest = list(projects.order_by("-updated_at", "-id")[:5])
    return {"newest": newest} if newest else None


MY_PROJECTS = Widget(code="testing_app.projects", title="Projects", template="testing_app/_widget.html",
                     context=my_projects, module="testing_app", order=90, size="third")
