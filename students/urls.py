from django.urls import path

from students.views import agreements, collections, handouts, roster, students

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
]
