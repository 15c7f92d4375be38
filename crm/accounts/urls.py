from django.urls import path  # noqa: F401

app_name = "accounts"  # login, logout, password, users, departments, roles
urlpatterns: list = []
