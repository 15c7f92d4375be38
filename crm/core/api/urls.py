from django.urls import path
from rest_framework.routers import DefaultRouter

from crm.core.api.saved_views import SavedViewViewSet
from crm.core.api.search import SearchView

router = DefaultRouter(trailing_slash=True)
router.register("saved-views", SavedViewViewSet, basename="saved-view")
urlpatterns = [path("search/", SearchView.as_view(), name="api-search"), *router.urls]
