from django.urls import path

from students.api import charges, roster

urlpatterns: list = [
    path("students/roster-import/", roster.RosterImportApi.as_view(), name="roster-import"),
    path("roster-jobs/<int:job_id>/", roster.RosterJobDetailApi.as_view(), name="roster-job-detail"),
    path("charges/", charges.ChargeListApi.as_view(), name="charge-list"),
    path("charges/<int:charge_id>/", charges.ChargeDetailApi.as_view(), name="charge-detail"),
    path("charges/<int:charge_id>/confirm/", charges.ChargeConfirmApi.as_view(), name="charge-confirm"),
    path("charges/<int:charge_id>/waive/", charges.ChargeWaiveApi.as_view(), name="charge-waive"),
    path("charges/<int:charge_id>/pay/", charges.ChargePayApi.as_view(), name="charge-pay"),
]
