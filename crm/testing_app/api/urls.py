from rest_framework.routers import SimpleRouter

from crm.testing_app.api.views import DealViewSet, MilestoneViewSet, ProjectViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("deals", DealViewSet, basename="deal")
urlpatterns = router.urls
