"""Changes to what every module shares: users' saved list views."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.models import SavedView

MAX_VIEWS_PER_LIST = 50


@transaction.atomic
def save_view(*, actor, list_key: str, name: str, query: str, columns: list[str],
              is_default: bool = False) -> SavedView:
    """Creates or replaces the actor's view of that name; at most one default view per list."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the view a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("Keep the name under 100 characters."), field="name")
    query = (query or "").lstrip("?")
    if len(query) > 2000:
        raise DomainError(_("These filters are too long to save."), field="query")
    mine = SavedView.objects.filter(user=actor, list_key=list_key)
    if not mine.filter(name=name).exists() and mine.count() >= MAX_VIEWS_PER_LIST:
        raise DomainError(_("You have too many saved views for this list; delete some first."), field="name")
    if is_default:
        mine.exclude(name=name).update(is_default=False)
    view, _created = SavedView.objects.update_or_create(
        user=actor, list_key=list_key, name=name,
        defaults={"query": query, "columns": list(columns), "is_default": is_default})
    return view


def delete_view(*, actor, view: SavedView) -> None:
    if view.user_id != actor.pk:
        raise DomainError(_("This view is not yours."), code="permission_denied")
    view.delete()
