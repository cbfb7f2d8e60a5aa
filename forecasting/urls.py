from django.urls import path

from forecasting.views import forecasts as views
from forecasting.views import refresh as views_refresh

app_name = "forecasting"
urlpatterns: list = [
    path("", views.forecast_list, name="forecast_list"),
    path("runs/", views.forecast_run_create, name="forecast_run_create"),
    path("runs/<int:run_id>/progress/", views.forecast_run_progress, name="forecast_run_progress"),
    path("parts/<int:part_id>/", views.part_forecast, name="part_forecast"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/order/", views.suggestion_order, name="suggestion_order"),
    path("accuracy/", views.forecast_accuracy, name="forecast_accuracy"),
    path("refresh-plan/", views_refresh.refresh_plan, name="refresh_plan"),
]
