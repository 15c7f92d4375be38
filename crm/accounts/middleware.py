import time

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over Accept-Language (which LocaleMiddleware already applied)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class SlidingSessionMiddleware:
    """An active session is extended, an idle one ends after ``SESSION_COOKIE_AGE``: but the session is saved at
    most once every ``CRM_SESSION_REFRESH_SECONDS`` (60), not on every request. Saving it on each page view was a
    database write per request (on SQLite, a turn at the one write lock for every read-only page). Put after
    SessionMiddleware."""

    KEY = "_refreshed_at"

    @classmethod
    def stamp(cls, session) -> None:
        session[cls.KEY] = int(time.time())

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():  # never start a session for an anonymous visit
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= int(getattr(settings, "CRM_SESSION_REFRESH_SECONDS", 60)):
                self.stamp(session)  # modified: SessionMiddleware saves it with a new expiry, and the cookie
        return response
