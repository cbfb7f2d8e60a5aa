from django.urls import path

from students.views import roster, students

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
]
