from django.urls import path
from rest_framework.routers import DefaultRouter

from crm.system.api.views import DictionaryItemViewSet, HolidayViewSet, NumberSequenceViewSet, SystemSettingsView

router = DefaultRouter()
router.register("dictionaries", DictionaryItemViewSet, basename="dictionary-item")
router.register("holidays", HolidayViewSet, basename="holiday")
router.register("number-sequences", NumberSequenceViewSet, basename="number-sequence")
urlpatterns = [path("settings/", SystemSettingsView.as_view(), name="api-settings"), *router.urls]
