from django.urls import path

from fleet.views import devices, google_sync, history, import_jobs, imports, labels, mappings, reports, scans

app_name = "fleet"
urlpatterns = [
    # devices: list, export, search, detail and single-device actions
    path("devices/", devices.device_list, name="device_list"),
    path("devices/export.csv", devices.device_export, name="device_export"),
    path("devices/search/", devices.device_search, name="device_search"),
    path("devices/<int:device_id>/", devices.device_detail, name="device_detail"),
    path("devices/<int:device_id>/history/", history.device_history, name="device_history"),
    path("devices/<int:device_id>/status/", devices.device_change_status, name="device_change_status"),
    path(
        "devices/<int:device_id>/vehicle/out/",
        devices.device_vehicle_check_out,
        name="device_vehicle_check_out",
    ),
    path(
        "devices/<int:device_id>/vehicle/in/", devices.device_vehicle_check_in, name="device_vehicle_check_in"
    ),
    path("devices/<int:device_id>/variant/", devices.device_variant_confirm, name="device_variant_confirm"),
    # asset labels: the device list's filters or a range of new tags, as a PDF or ZPL
    path("labels/", labels.label_print, name="label_print"),
    path("labels/print/", labels.label_download, name="label_download"),
    # imports
    path("import/", imports.device_import, name="device_import"),
    path("import/confirm/", imports.device_import_confirm, name="device_import_confirm"),
    path("import/answer/", imports.device_import_answer, name="device_import_answer"),
    path("imports/", import_jobs.import_job_list, name="import_job_list"),
    path("imports/<int:job_id>/", import_jobs.import_job_detail, name="import_job_detail"),
    path("imports/<int:job_id>/cancel/", import_jobs.import_job_cancel, name="import_job_cancel"),
    path("imports/<int:job_id>/errors.csv", import_jobs.import_job_errors, name="import_job_errors"),
    path("import/mappings/", mappings.import_mapping_list, name="import_mapping_list"),
    path("import/mappings/<int:mapping_id>/", mappings.import_mapping_edit, name="import_mapping_edit"),
    path(
        "import/mappings/<int:mapping_id>/delete/",
        mappings.import_mapping_delete,
        name="import_mapping_delete",
    ),
    # live sync from Google Admin
    path("google-sync/", google_sync.google_sync, name="google_sync"),
    path("google-sync/start/", google_sync.google_sync_start, name="google_sync_start"),
    # scans, vehicle custody and audits
    path("scan/vehicle/", scans.scan_vehicle, name="scan_vehicle"),
    path("scan/vehicle/add/", scans.scan_vehicle_add, name="scan_vehicle_add"),
    path("scan/vehicle/check-out/", scans.vehicle_check_out, name="vehicle_check_out"),
    path("scan/check-in/", scans.scan_check_in, name="scan_check_in"),
    path("scan/check-in/add/", scans.scan_check_in_add, name="scan_check_in_add"),
    path("scan/check-in/submit/", scans.vehicle_check_in, name="vehicle_check_in"),
    path("scan/collection/", scans.scan_collection, name="scan_collection"),
    path("scan/collection/add/", scans.scan_collection_add, name="scan_collection_add"),
    path("audits/", scans.location_audit_list, name="location_audit_list"),
    path("audits/start/", scans.location_audit_start, name="location_audit_start"),
    path("audits/<int:audit_id>/", scans.location_audit, name="location_audit"),
    path("audits/<int:audit_id>/scan/", scans.location_audit_scan, name="location_audit_scan"),
    path("audits/<int:audit_id>/finish/", scans.location_audit_finish, name="location_audit_finish"),
    path("audits/<int:audit_id>/report/", scans.location_audit_report, name="location_audit_report"),
    path("audits/<int:audit_id>/report.csv", scans.location_audit_export, name="location_audit_export"),
    # reports: readiness and AUE refresh plan
    path("reports/readiness/", reports.readiness_report, name="readiness_report"),
    path("reports/readiness.csv", reports.readiness_export, name="readiness_export"),
    path("reports/readiness/devices/", reports.readiness_devices, name="readiness_devices"),
    path("reports/readiness/devices.csv", reports.readiness_devices_export, name="readiness_devices_export"),
    path("reports/aue-plan/", reports.aue_plan, name="aue_plan"),
    path("reports/aue-plan.csv", reports.aue_plan_export, name="aue_plan_export"),
]
