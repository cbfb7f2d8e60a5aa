"""Forecast runs and the per-part forecasts and reorder suggestions they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from forecasting.choices import ForecastRunStatus, ForecastTrigger


class ForecastRun(models.Model):
    """One execution of the parts forecast, nightly or on request."""

    trigger = models.CharField(
        max_length=10, choices=ForecastTrigger.choices, default=ForecastTrigger.NIGHTLY
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="forecast_runs",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ForecastRunStatus.choices, default=ForecastRunStatus.PENDING
    )
    parameters = models.JSONField(default=dict, blank=True)
    part_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="forecastrun_status_idx")]

    def __str__(self) -> str:
        return f"Forecast run {self.pk} ({self.get_status_display()})"


class PartForecast(models.Model):
    """A part's demand forecast from one run, with the reorder point and order it suggests."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="part_forecasts")
    part = models.ForeignKey("repairs.Part", on_delete=models.PROTECT, related_name="forecasts")
    horizon_weeks = models.PositiveSmallIntegerField()
    weekly_mean = models.JSONField(default=list, help_text="Expected demand per week over the horizon.")
    point = models.FloatField(help_text="Expected total demand over the horizon.")
    quantiles = models.JSONField(default=dict, help_text='Total-demand quantiles, e.g. {"0.9": 14}.')
    method = models.CharField(max_length=40)
    accuracy = models.JSONField(default=dict, blank=True, help_text="Backtest scores, e.g. wRMSSE.")
    on_hand = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    reorder_point = models.PositiveIntegerField(default=0)
    suggested_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "part_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "part"], name="partforecast_one_per_run"),
            models.CheckConstraint(condition=Q(point__gte=0), name="partforecast_point_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} in run {self.run_id}: {self.point:.1f}"
