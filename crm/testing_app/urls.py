from django.urls import path

from crm.testing_app import views

app_name = "testing_app"
urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="project_list"),
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/export/", views.ProjectExportView.as_view(), name="project_export"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project_detail"),
    path("projects/<int:pk>/edit/", views.ProjectUpdateView.as_view(), name="project_edit"),
    path("projects/<int:pk>/delete/", views.ProjectDeleteView.as_view(), name="project_delete"),
    path("deals/", views.DealListView.as_view(), name="deal_list"),
    path("deals/<int:pk>/edit/", views.DealUpdateView.as_view(), name="deal_edit"),
]
