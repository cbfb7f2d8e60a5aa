from django.urls import path

from staff.views import history, overtime, time

app_name = "staff"
urlpatterns = [
    # time and pay: my week, team timesheets, payroll export
    path("time/", time.time_entry_week, name="time_entry_week"),
    path("time/entries/", time.time_entry_create, name="time_entry_create"),
    path("time/entries/<int:entry_id>/edit/", time.time_entry_edit, name="time_entry_edit"),
    path("time/entries/<int:entry_id>/delete/", time.time_entry_delete, name="time_entry_delete"),
    path("timesheets/", time.timesheet_team, name="timesheet_team"),
    path("timesheets/<int:timesheet_id>/", time.timesheet_detail, name="timesheet_detail"),
    path("timesheets/<int:timesheet_id>/history/", history.timesheet_history, name="timesheet_history"),
    path("timesheets/<int:timesheet_id>/submit/", time.timesheet_submit, name="timesheet_submit"),
    path("timesheets/<int:timesheet_id>/sign-off/", time.timesheet_sign_off, name="timesheet_sign_off"),
    path("timesheets/<int:timesheet_id>/reopen/", time.timesheet_reopen, name="timesheet_reopen"),
    path("payroll/", time.timesheet_payroll, name="timesheet_payroll"),
    path("payroll.csv", time.timesheet_payroll_export, name="timesheet_payroll_export"),
    # overtime: my requests, the approval queue, the rule table
    path("overtime/", overtime.overtime_mine, name="overtime_mine"),
    path("overtime/request/", overtime.overtime_request_create, name="overtime_request_create"),
    path("overtime/<int:request_id>/", overtime.overtime_request_detail, name="overtime_request_detail"),
    path(
        "overtime/<int:request_id>/cancel/", overtime.overtime_request_cancel, name="overtime_request_cancel"
    ),
    path(
        "overtime/<int:request_id>/approve/",
        overtime.overtime_request_approve,
        name="overtime_request_approve",
    ),
    path("overtime/<int:request_id>/deny/", overtime.overtime_request_deny, name="overtime_request_deny"),
    path(
        "overtime/<int:request_id>/review/",
        overtime.overtime_emergency_review,
        name="overtime_emergency_review",
    ),
    path("overtime/approvals/", overtime.overtime_queue, name="overtime_queue"),
    path("overtime/delegations/", overtime.overtime_delegation_create, name="overtime_delegation_create"),
    path("overtime/rules/", overtime.overtime_rules, name="overtime_rules"),
    path("overtime/rules/add/", overtime.overtime_rule_create, name="overtime_rule_create"),
    path(
        "overtime/rules/<int:rule_id>/history/", history.overtime_rule_history, name="overtime_rule_history"
    ),
    # people: a person's account and staff profile changes (pay is private)
    path("people/<int:user_id>/history/", history.person_history, name="person_history"),
]
