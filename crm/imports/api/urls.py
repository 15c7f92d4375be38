from rest_framework.routers import DefaultRouter

from crm.imports.api.views import ImportJobViewSet

router = DefaultRouter(trailing_slash=True)
router.register("imports", ImportJobViewSet, basename="import")
urlpatterns = router.urls
