from django.urls import path

from accounts.api import users

urlpatterns = [
    path("me/", users.MeApi.as_view(), name="me"),
]
