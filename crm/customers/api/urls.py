from rest_framework.routers import DefaultRouter

from crm.customers.api.views import ActivityViewSet, ContactViewSet, CustomerViewSet

router = DefaultRouter(trailing_slash=True)
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("activities", ActivityViewSet, basename="activity")
urlpatterns = router.urls
