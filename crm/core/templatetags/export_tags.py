"""``{% export_menu %}``: the Export drop-down of a list page, carrying the list's current filters."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()

FORMAT_LABELS = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))


@register.inclusion_tag("core/_export_menu.html", takes_context=True)
def export_menu(context, module: str, url_name: str, related_url_name: str = "", related_label: str = ""):
    """Shown only to users with ``<module>.export``. ``related_url_name`` adds a second export of the rows'
    related records (e.g. the contacts of the listed customers), labelled ``related_label``."""
    request = context["request"]
    if not request.user.has_module_perm(module, "export"):
        return {"show": False}
    query = request.GET.copy()
    for key in ("page", "after", "count", "format"):
        query.pop(key, None)
    prefix = f"{query.urlencode()}&" if query else ""

    def links(name: str) -> list[tuple[str, str, str]]:
        return [(code, label, f"{reverse(name)}?{prefix}format={code}") for code, label in FORMAT_LABELS]

    groups = [(_("This list"), links(url_name))]
    if related_url_name:
        groups.append((related_label, links(related_url_name)))
    return {"show": True, "groups": groups}
