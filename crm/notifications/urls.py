from django.urls import path

from crm.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("badge/", views.BadgeView.as_view(), name="badge"),
    path("<int:pk>/read/", views.MarkReadView.as_view(), name="read"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("outbox/", views.OutboxListView.as_view(), name="outbox"),
]
