from django.urls import path

from students.api import roster

urlpatterns = [
    path("students/roster-import/", roster.RosterImportApi.as_view(), name="roster-import"),
    path("roster-jobs/<int:job_id>/", roster.RosterJobDetailApi.as_view(), name="roster-job-detail"),
]
