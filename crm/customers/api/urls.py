from rest_framework.routers import DefaultRouter

from crm.customers.api.views import ContactViewSet, CustomerViewSet

router = DefaultRouter(trailing_slash=True)
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
urlpatterns = router.urls
