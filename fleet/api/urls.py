from django.urls import path

from fleet.api import devices as views
from fleet.api import google_sync as google_sync_views
from fleet.api import history as history_views
from fleet.api import imports as import_views

urlpatterns = [
    path("locations/", views.LocationListApi.as_view(), name="location-list"),
    path("device-models/", views.DeviceModelListApi.as_view(), name="device-model-list"),
    path("devices/", views.DeviceListApi.as_view(), name="device-list"),
    path("devices/<int:device_id>/", views.DeviceDetailApi.as_view(), name="device-detail"),
    path("devices/<int:device_id>/custody/", views.DeviceCustodyListApi.as_view(), name="device-custody"),
    path(
        "devices/<int:device_id>/history/",
        history_views.DeviceHistoryListApi.as_view(),
        name="device-history",
    ),
    # imports
    path("devices/import/", import_views.DeviceImportApi.as_view(), name="device-import"),
    path("import-jobs/", import_views.ImportJobListApi.as_view(), name="import-job-list"),
    path("import-jobs/<int:job_id>/", import_views.ImportJobDetailApi.as_view(), name="import-job-detail"),
    path(
        "import-jobs/<int:job_id>/cancel/",
        import_views.ImportJobCancelApi.as_view(),
        name="import-job-cancel",
    ),
    path("import-mappings/", import_views.ImportMappingListApi.as_view(), name="import-mapping-list"),
    # live sync from Google Admin
    path("google-sync/", google_sync_views.GoogleSyncStartApi.as_view(), name="google-sync-start"),
    path("google-sync/runs/", google_sync_views.GoogleSyncRunListApi.as_view(), name="google-sync-run-list"),
    # scans and loaners
]
