from django.urls import path

from crm.care import views

app_name = "care"
urlpatterns = [
    path("", views.CarePlanListView.as_view(), name="plans"),
    path("plans/new/", views.CarePlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", views.CarePlanPreviewView.as_view(), name="plan_preview"),
    path("plans/<int:pk>/edit/", views.CarePlanUpdateView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/delete/", views.CarePlanDeleteView.as_view(), name="plan_delete"),
    path("days/", views.GreetingDayListView.as_view(), name="days"),
    path("days/new/", views.GreetingDayCreateView.as_view(), name="day_create"),
    path("days/<int:pk>/", views.GreetingDayUpdateView.as_view(), name="day_edit"),
    path("days/<int:pk>/delete/", views.GreetingDayDeleteView.as_view(), name="day_delete"),
    path("log/", views.CareLogListView.as_view(), name="log"),
]
