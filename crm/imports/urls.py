from django.urls import path

from crm.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.ImportListView.as_view(), name="list"),
    path("new/", views.UploadView.as_view(), name="upload"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/mapping/", views.MappingView.as_view(), name="mapping"),
    path("<int:pk>/preview/", views.PreviewView.as_view(), name="preview"),
    path("<int:pk>/run/", views.RunView.as_view(), name="run"),
    path("<int:pk>/progress/", views.ProgressView.as_view(), name="progress"),
    path("<int:pk>/report/", views.ReportView.as_view(), name="report"),
]
