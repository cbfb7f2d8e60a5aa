from django.urls import path

from students.views import agreements, charges, collections, handouts, roster, students

app_name = "students"
urlpatterns = [
    path("", students.student_list, name="student_list"),
    path("<int:student_id>/", students.student_detail, name="student_detail"),
    path("roster/", roster.roster_import, name="roster_import"),
    path("roster/answer/", roster.roster_import_answer, name="roster_import_answer"),
    path("roster/confirm/", roster.roster_import_confirm, name="roster_import_confirm"),
    path("roster/imports/<int:job_id>/", roster.roster_job_detail, name="roster_job_detail"),
    path("roster/imports/<int:job_id>/cancel/", roster.roster_job_cancel, name="roster_job_cancel"),
    path("roster/imports/<int:job_id>/errors.csv", roster.roster_job_errors, name="roster_job_errors"),
    # hand-out and collection scan screens
    path("hand-out/", handouts.handout_scan, name="handout_scan"),
    path("collect/", collections.collect_scan, name="collect_scan"),
    # the signed record of a hand-out
    path("hand-outs/<int:handout_id>/agreement/", handouts.handout_agreement, name="handout_agreement"),
    path("hand-outs/<int:handout_id>/signature.png", handouts.handout_signature, name="handout_signature"),
    # the agreement's versions
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    # damage charges, payments and receipts
    path("charges/", charges.charge_list, name="charge_list"),
    path("charges/<int:charge_id>/", charges.charge_detail, name="charge_detail"),
    path("charges/<int:charge_id>/confirm/", charges.charge_confirm, name="charge_confirm"),
    path("charges/<int:charge_id>/waive/", charges.charge_waive, name="charge_waive"),
    path("charges/<int:charge_id>/pay/", charges.charge_pay, name="charge_pay"),
    path("payments/<int:payment_id>/receipt/", charges.payment_receipt, name="payment_receipt"),
    path("tickets/<int:ticket_id>/charge/", charges.ticket_charge_propose, name="ticket_charge_propose"),
    # the fee schedule and the hold
    path("fees/", charges.fee_schedule, name="fee_schedule"),
    path("fees/rules/", charges.fee_rule_save, name="fee_rule_save"),
    path("fees/rules/<int:rule_id>/delete/", charges.fee_rule_delete, name="fee_rule_delete"),
    path("fees/policy/", charges.charge_policy_update, name="charge_policy_update"),
]
