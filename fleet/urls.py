from django.urls import path

from fleet.views import devices

app_name = "fleet"
urlpatterns = [
    # devices: list, export, search, detail and single-device actions
    path("devices/", devices.device_list, name="device_list"),
    path("devices/export.csv", devices.device_export, name="device_export"),
    path("devices/search/", devices.device_search, name="device_search"),
    path("devices/<int:device_id>/", devices.device_detail, name="device_detail"),
    path("devices/<int:device_id>/status/", devices.device_change_status, name="device_change_status"),
    # imports
    # scans, vehicle custody and audits
    # loaners
    # reports: readiness and AUE refresh plan
]
