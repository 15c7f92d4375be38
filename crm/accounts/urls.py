from django.urls import path

from crm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/profile/", views.ProfileView.as_view(), name="profile"),
    path("account/token/", views.OwnTokenCreateView.as_view(), name="token_create"),
    path("account/token/revoke/", views.OwnTokenRevokeView.as_view(), name="token_revoke"),
    path("system/users/", views.UserListView.as_view(), name="user_list"),
    path("system/users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("system/users/<int:pk>/", views.UserUpdateView.as_view(), name="user_edit"),
    path("system/users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user_password"),
    path("system/sign-in/unlock/", views.UnlockSignInView.as_view(), name="unlock_sign_in"),
    path("system/departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("system/departments/new/", views.DepartmentCreateView.as_view(), name="department_create"),
    path("system/departments/<int:pk>/", views.DepartmentUpdateView.as_view(), name="department_edit"),
    path("system/departments/<int:pk>/delete/", views.DepartmentDeleteView.as_view(), name="department_delete"),
    path("system/roles/", views.RoleListView.as_view(), name="role_list"),
    path("system/roles/new/", views.RoleCreateView.as_view(), name="role_create"),
    path("system/roles/<int:pk>/", views.RoleUpdateView.as_view(), name="role_edit"),
    path("system/roles/<int:pk>/delete/", views.RoleDeleteView.as_view(), name="role_delete"),
]
