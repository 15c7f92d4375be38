from django.urls import path

from crm.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("follow-ups/due/", views.DueFollowUpListView.as_view(), name="due"),
    path("bulk/", views.CustomerBulkView.as_view(), name="bulk"),
    path("views/save/", views.SaveListView.as_view(), name="save_view"),
    path("views/<int:pk>/delete/", views.DeleteListView.as_view(), name="delete_view"),
    path("recycle-bin/", views.RecycleBinView.as_view(), name="recycle_bin"),
    path("recycle-bin/<int:pk>/<str:operation>/", views.RecycleBinActionView.as_view(), name="recycle_bin_action"),
    path("<int:pk>/activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("<int:pk>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="delete"),
    path("<int:pk>/contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/<int:pk>/", views.ContactUpdateView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/reveal/", views.ContactRevealView.as_view(), name="contact_reveal"),
]
