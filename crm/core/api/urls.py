from django.urls import path

from crm.core.api.search import SearchView

urlpatterns = [path("search/", SearchView.as_view(), name="api-search")]
