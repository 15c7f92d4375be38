from django.conf import settings

from crm.core.navigation import nav_for
from crm.core.undo import take_undo_offer


def shell(request):
    """What the page shell needs: navigation for this user and the languages on offer."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES_ON_OFFER": settings.LANGUAGES}
    nav_main, nav_admin = nav_for(user, "main"), nav_for(user, "admin")
    # The entry whose address is the longest start of this page's: /customers/pool/ lights 公海, not 客户.
    matches = [item.url for item in nav_main + nav_admin if item.url != "/" and request.path.startswith(item.url)]
    return {
        "LANGUAGES_ON_OFFER": settings.LANGUAGES,
        "nav_main": nav_main,
        "nav_admin": nav_admin,
        "nav_active_url": max(matches, key=len, default=""),
        # Called (and so taken) only by a template that prints it: base.html, once.
        "undo_offer": lambda: take_undo_offer(request),
    }
