from django.urls import path

from crm.system import views

app_name = "system"
urlpatterns = [
    path("dictionaries/", views.DictionaryListView.as_view(), name="dictionaries"),
    path("dictionaries/new/", views.DictionaryItemCreateView.as_view(), name="dictionary_create"),
    path("dictionaries/<int:pk>/", views.DictionaryItemUpdateView.as_view(), name="dictionary_edit"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("holidays/", views.HolidayListView.as_view(), name="holidays"),
    path("holidays/new/", views.HolidayFormView.as_view(), name="holiday_create"),
    path("holidays/<int:pk>/", views.HolidayFormView.as_view(), name="holiday_edit"),
    path("holidays/<int:pk>/delete/", views.HolidayDeleteView.as_view(), name="holiday_delete"),
    path("numbers/", views.NumberSequenceListView.as_view(), name="number_sequences"),
    path("numbers/<str:code>/", views.NumberSequenceUpdateView.as_view(), name="number_sequence_edit"),
    path("numbers/<str:code>/preview/", views.NumberSequencePreviewView.as_view(), name="number_sequence_preview"),
]
