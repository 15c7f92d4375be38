"""The suite's URLs (crm/settings_test.py): the project's, plus this module's pages and API — the two lines a
module adds to crm/urls.py."""

from django.urls import include, path

from crm.urls import handler400, handler403, handler404, handler500  # noqa: F401
from crm.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("testing/", include("crm.testing_app.urls")),
    path("api/v1/", include("crm.testing_app.api.urls")),
    *project_urlpatterns,
]
