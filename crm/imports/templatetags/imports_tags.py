from django import template
from django.urls import reverse

from crm.imports.registry import get_importer

register = template.Library()


@register.inclusion_tag("imports/_import_button.html", takes_context=True)
def import_button(context, entity: str) -> dict:
    """An "Import" button for a list page, shown to users whose role may import that entity."""
    request = context.get("request")
    importer = get_importer(entity)
    user = getattr(request, "user", None)
    allowed = bool(importer and user and user.is_authenticated and user.has_module_perm(importer.module, "import"))
    return {"allowed": allowed, "url": f"{reverse('imports:upload')}?entity={entity}" if allowed else ""}
