from django.urls import path

from students.api import charges

urlpatterns: list = [
    path("charges/", charges.ChargeListApi.as_view(), name="charge-list"),
    path("charges/<int:charge_id>/", charges.ChargeDetailApi.as_view(), name="charge-detail"),
    path("charges/<int:charge_id>/confirm/", charges.ChargeConfirmApi.as_view(), name="charge-confirm"),
    path("charges/<int:charge_id>/waive/", charges.ChargeWaiveApi.as_view(), name="charge-waive"),
    path("charges/<int:charge_id>/pay/", charges.ChargePayApi.as_view(), name="charge-pay"),
]
