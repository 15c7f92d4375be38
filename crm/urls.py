from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm.accounts.api.views import ObtainTokenView
from crm.core import views as core_views

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="core/api_docs.html"),
         name="api-docs"),
    path("", include("crm.accounts.api.urls")),
    path("", include("crm.audit.api.urls")),
    path("", include("crm.notifications.api.urls")),
    path("", include("crm.system.api.urls")),
    path("", include("crm.customers.api.urls")),
    path("", include("crm.imports.api.urls")),
    path("", include("crm.care.api.urls")),
    path("", include("crm.core.api.urls")),
]

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: answer with the icon rather than a 404.
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("metrics", core_views.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("search/", core_views.SearchView.as_view(), name="search"),
    path("lists/views/save/", core_views.SaveListView.as_view(), name="save_list_view"),
    path("lists/views/<int:pk>/delete/", core_views.DeleteListView.as_view(), name="delete_list_view"),
    path("", include("crm.accounts.urls")),
    path("audit/", include("crm.audit.urls")),
    path("notifications/", include("crm.notifications.urls")),
    path("system/", include("crm.system.urls")),
    path("customers/", include("crm.customers.urls")),
    path("imports/", include("crm.imports.urls")),
    path("care/", include("crm.care.urls")),
    path("api/v1/", include(api_v1)),
    path("django-admin/", admin.site.urls),
]

handler400 = "crm.core.views.bad_request"
handler403 = "crm.core.views.permission_denied"
handler404 = "crm.core.views.page_not_found"
handler500 = "crm.core.views.server_error"

admin.site.site_header = settings.ADMIN_SITE_HEADER
