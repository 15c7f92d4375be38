from django.urls import path
from rest_framework.routers import SimpleRouter

from crm.accounts.api.views import (
    DepartmentViewSet,
    OwnPasswordView,
    OwnTokenView,
    ProfileView,
    RoleViewSet,
    UserViewSet,
)

# SimpleRouter: no API root view of its own (this app's routes come first under /api/v1/).
router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("departments", DepartmentViewSet, basename="department")
router.register("roles", RoleViewSet, basename="role")
urlpatterns = [
    path("me/", ProfileView.as_view(), name="api-me"),
    path("me/password/", OwnPasswordView.as_view(), name="api-me-password"),
    path("me/token/", OwnTokenView.as_view(), name="api-me-token"),
    *router.urls,
]
