from django.urls import path

from forecasting.api import forecasts as views

urlpatterns: list = [
    path("forecast-runs/", views.ForecastRunListApi.as_view(), name="forecast-run-list"),
    path("forecast-runs/<int:run_id>/", views.ForecastRunDetailApi.as_view(), name="forecast-run-detail"),
    path("forecasts/", views.PartForecastListApi.as_view(), name="forecast-list"),
    path("forecasts/<int:part_id>/", views.PartForecastDetailApi.as_view(), name="forecast-detail"),
    path("reorder-suggestions/", views.ReorderSuggestionListApi.as_view(), name="reorder-suggestion-list"),
]
