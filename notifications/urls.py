from django.urls import path

from notifications.views import preferences

app_name = "notifications"
urlpatterns = [
    path("settings/", preferences.preference_edit, name="preference_edit"),
    path("sent/", preferences.delivery_list, name="delivery_list"),
]
