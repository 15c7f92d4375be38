from django.conf import settings

from crm.core.navigation import nav_for


def shell(request):
    """What the page shell needs: navigation for this user and the languages on offer."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES_ON_OFFER": settings.LANGUAGES}
    return {
        "LANGUAGES_ON_OFFER": settings.LANGUAGES,
        "nav_main": nav_for(user, "main"),
        "nav_admin": nav_for(user, "admin"),
    }
