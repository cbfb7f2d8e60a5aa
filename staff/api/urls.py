from django.urls import path

from staff.api import history, overtime, time

urlpatterns: list = [
    # time entries and weekly timesheets
    path("time-entries/", time.TimeEntryListApi.as_view(), name="time-entry-list"),
    path("time-entries/<int:entry_id>/", time.TimeEntryDetailApi.as_view(), name="time-entry-detail"),
    path("timesheets/", time.TimesheetListApi.as_view(), name="timesheet-list"),
    path("timesheets/<int:timesheet_id>/", time.TimesheetDetailApi.as_view(), name="timesheet-detail"),
    path(
        "timesheets/<int:timesheet_id>/history/",
        history.TimesheetHistoryListApi.as_view(),
        name="timesheet-history",
    ),
    path(
        "timesheets/<int:timesheet_id>/submit/",
        time.TimesheetSubmitApi.as_view(),
        name="timesheet-submit",
    ),
    path(
        "timesheets/<int:timesheet_id>/sign-off/",
        time.TimesheetSignOffApi.as_view(),
        name="timesheet-sign-off",
    ),
    path(
        "timesheets/<int:timesheet_id>/reopen/",
        time.TimesheetReopenApi.as_view(),
        name="timesheet-reopen",
    ),
    # overtime rules, requests and decisions
    path("overtime-rules/", overtime.OvertimeRuleListApi.as_view(), name="overtime-rule-list"),
    path(
        "overtime-rules/<int:rule_id>/history/",
        history.OvertimeRuleHistoryListApi.as_view(),
        name="overtime-rule-history",
    ),
    path("overtime-requests/", overtime.OvertimeRequestListApi.as_view(), name="overtime-request-list"),
    path(
        "overtime-requests/<int:request_id>/",
        overtime.OvertimeRequestDetailApi.as_view(),
        name="overtime-request-detail",
    ),
    path(
        "overtime-requests/<int:request_id>/approve/",
        overtime.OvertimeRequestApproveApi.as_view(),
        name="overtime-request-approve",
    ),
    path(
        "overtime-requests/<int:request_id>/deny/",
        overtime.OvertimeRequestDenyApi.as_view(),
        name="overtime-request-deny",
    ),
    path(
        "overtime-requests/<int:request_id>/cancel/",
        overtime.OvertimeRequestCancelApi.as_view(),
        name="overtime-request-cancel",
    ),
]
