from django.urls import path

from staff.api import overtime as views
from staff.api import time as time_views

urlpatterns: list = [
    # time entries and weekly timesheets
    path("time-entries/", time_views.TimeEntryListApi.as_view(), name="time-entry-list"),
    path("time-entries/<int:entry_id>/", time_views.TimeEntryDetailApi.as_view(), name="time-entry-detail"),
    path("timesheets/", time_views.TimesheetListApi.as_view(), name="timesheet-list"),
    path("timesheets/<int:timesheet_id>/", time_views.TimesheetDetailApi.as_view(), name="timesheet-detail"),
    path(
        "timesheets/<int:timesheet_id>/submit/",
        time_views.TimesheetSubmitApi.as_view(),
        name="timesheet-submit",
    ),
    path(
        "timesheets/<int:timesheet_id>/sign-off/",
        time_views.TimesheetSignOffApi.as_view(),
        name="timesheet-sign-off",
    ),
    path(
        "timesheets/<int:timesheet_id>/reopen/",
        time_views.TimesheetReopenApi.as_view(),
        name="timesheet-reopen",
    ),
    # overtime rules, requests and decisions
    path("overtime-rules/", views.OvertimeRuleListApi.as_view(), name="overtime-rule-list"),
    path("overtime-requests/", views.OvertimeRequestListApi.as_view(), name="overtime-request-list"),
    path(
        "overtime-requests/<int:request_id>/",
        views.OvertimeRequestDetailApi.as_view(),
        name="overtime-request-detail",
    ),
    path(
        "overtime-requests/<int:request_id>/approve/",
        views.OvertimeRequestApproveApi.as_view(),
        name="overtime-request-approve",
    ),
    path(
        "overtime-requests/<int:request_id>/deny/",
        views.OvertimeRequestDenyApi.as_view(),
        name="overtime-request-deny",
    ),
    path(
        "overtime-requests/<int:request_id>/cancel/",
        views.OvertimeRequestCancelApi.as_view(),
        name="overtime-request-cancel",
    ),
]
