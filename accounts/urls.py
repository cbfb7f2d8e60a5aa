from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import lockouts, passwords, sessions, tokens

app_name = "accounts"
urlpatterns = [
    path("login/", sessions.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", passwords.password_change, name="password_change"),
    path("password/change/done/", passwords.password_change_done, name="password_change_done"),
    path("password/reset/", passwords.password_reset, name="password_reset"),
    path("password/reset/sent/", passwords.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", passwords.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", passwords.password_reset_complete, name="password_reset_complete"),
    path("tokens/", tokens.token_list, name="token_list"),
    path("tokens/new/", tokens.token_create, name="token_create"),
    path("tokens/<str:token_key>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("lockouts/", lockouts.lockout_list, name="lockout_list"),
    path("lockouts/unlock/", lockouts.lockout_clear, name="lockout_clear"),
]
