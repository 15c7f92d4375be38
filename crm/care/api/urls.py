from rest_framework.routers import DefaultRouter

from crm.care.api.views import CareLogViewSet, CarePlanViewSet, GreetingDayViewSet

router = DefaultRouter(trailing_slash=True)
router.register("care/plans", CarePlanViewSet, basename="care-plan")
router.register("care/greeting-days", GreetingDayViewSet, basename="care-greeting-day")
router.register("care/log", CareLogViewSet, basename="care-log")
urlpatterns = router.urls
