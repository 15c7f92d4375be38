"""Settings for the test suite: production settings with a fast hasher and the task queue run inline."""

from crm.settings import *  # noqa: F403
from crm.settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A module of the suite's own (crm/testing_app): the platform's tests run on it, not on customers.
INSTALLED_APPS = [*INSTALLED_APPS, "crm.testing_app"]  # noqa: F405
# Its pages and API: the project's URLs plus the two lines a module adds to crm/urls.py.
ROOT_URLCONF = "crm.testing_app.root_urls"
# axe-core (an npm package of its own) for the browser suite's accessibility checks: served to the test pages
# as a same-origin file, so the Content-Security-Policy lets it run, and never shipped in production.
STATICFILES_DIRS = [*STATICFILES_DIRS, ("vendor/axe-core", NODE_MODULES / "axe-core")]  # noqa: F405
# The live server answers /static/ from STATIC_ROOT (collected by `make install` with the production list, so
# without axe-core) and hands what is not there to the app: WhiteNoise then finds it through the finders.
WHITENOISE_USE_FINDERS = True
