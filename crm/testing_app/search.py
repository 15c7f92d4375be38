"""Projects in global search: through the search index, within the user's scope."""

from crm.core.fulltext import find_matches
from crm.core.search import SearchHit, SearchProvider
from crm.testing_app.models import Project


def search_projects(user, query: str, limit: int) -> list[SearchHit]:
    ids = find_matches(Project.objects.visible_to(user), query, limit, user=user)
    found = Project.objects.only("name", "number").in_bulk(ids)
    return [SearchHit("project", pk, found[pk].name, found[pk].number or "", found[pk].get_absolute_url())
            for pk in ids if pk in found]


PROVIDER = SearchProvider(entity="project", label="Projects", module="testing_app", search=search_projects)
