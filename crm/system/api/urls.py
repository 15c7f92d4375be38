from django.urls import path
from rest_framework.routers import DefaultRouter

from crm.system.api.views import DictionaryItemViewSet, HolidayViewSet, SystemSettingsView

router = DefaultRouter()
router.register("dictionaries", DictionaryItemViewSet, basename="dictionary-item")
router.register("holidays", HolidayViewSet, basename="holiday")
urlpatterns = [path("settings/", SystemSettingsView.as_view(), name="api-settings"), *router.urls]
