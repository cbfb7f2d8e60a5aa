"""Forecast runs and the per-part forecasts and reorder suggestions they produce."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import track_history
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from repairs.choices import PartCategory


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
    run_date = models.DateField(
        null=True, blank=True, help_text="The local night a nightly run is for; one nightly run per night."
    )
    history_end = models.DateField(
        null=True, blank=True, help_text="Monday after the last full week of history; week 1 of the forecast."
    )
    parameters = models.JSONField(default=dict, blank=True)
    part_count = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from a worker; a stale run is swept to failed."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="forecastrun_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["run_date"],
                condition=Q(trigger="nightly"),
                name="forecastrun_one_nightly_per_date",
            ),
            models.CheckConstraint(
                condition=Q(parts_done__lte=models.F("part_count")), name="forecastrun_done_lte_count"
            ),
        ]

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
    weekly_quantiles = models.JSONField(
        default=dict, blank=True, help_text='Per-week quantiles over the horizon, e.g. {"0.9": [2, 3, ...]}.'
    )
    history = models.JSONField(default=list, blank=True, help_text="Weekly net consumption the forecast saw.")
    history_start = models.DateField(null=True, blank=True, help_text="Monday of the first history week.")
    method = models.CharField(max_length=40)
    accuracy = models.JSONField(default=dict, blank=True, help_text="Backtest scores, e.g. wRMSSE.")
    warranty_share = models.FloatField(
        default=0.0, help_text="Share of past consumption on tickets covered by a vendor warranty."
    )
    service_level = models.FloatField(default=0.95)
    expected_spend = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text="Point forecast x unit cost."
    )
    error = models.TextField(blank=True, help_text="Why this part could not be forecast; empty when it was.")
    on_hand = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    reorder_point = models.PositiveIntegerField(default=0)
    suggested_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "part_id"]
        indexes = [models.Index(fields=["part", "run"], name="partforecast_part_run_idx")]
        constraints = [
            models.UniqueConstraint(fields=["run", "part"], name="partforecast_one_per_run"),
            models.CheckConstraint(condition=Q(point__gte=0), name="partforecast_point_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} in run {self.run_id}: {self.point:.1f}"


class ReorderSuggestion(models.Model):
    """What one stock location should order of one part, from one run's forecast.

    Lead-time demand is the forecast's distribution of district demand over the vendor lead
    time, scaled by the location's share of recent consumption and by the share the district
    pays for (demand covered by a vendor warranty is excluded). Reorder point = the service-level
    quantile of it; when on hand + on order falls to it or below, order up to reorder point plus
    the demand of one review cycle, rounded up to the pack size and at least the minimum order.
    """

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="suggestions")
    part = models.ForeignKey("repairs.Part", on_delete=models.PROTECT, related_name="reorder_suggestions")
    stock_location = models.ForeignKey(
        "repairs.StockLocation", on_delete=models.PROTECT, related_name="reorder_suggestions"
    )
    location_share = models.FloatField(help_text="This location's share of the part's recent consumption.")
    lead_time_days = models.PositiveSmallIntegerField()
    service_level = models.FloatField()
    lead_time_demand = models.FloatField(help_text="Expected district-paid demand over the lead time here.")
    safety_stock = models.FloatField()
    reorder_point = models.PositiveIntegerField()
    order_up_to = models.PositiveIntegerField()
    on_hand = models.IntegerField()
    on_order = models.IntegerField()
    warranty_covered = models.FloatField(
        default=0.0, help_text="Expected lead-time demand a vendor warranty covers: not stocked."
    )
    suggested_quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=8, decimal_places=2)
    purchase_order = models.ForeignKey(
        "repairs.PurchaseOrder", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["run_id", "part_id", "stock_location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "part", "stock_location"], name="reordersuggestion_one_per_place"
            ),
            models.CheckConstraint(
                condition=Q(service_level__gt=0) & Q(service_level__lt=1), name="reordersuggestion_level_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.suggested_quantity} of {self.part_id} for {self.stock_location_id}"


@track_history()
class ServiceLevelTarget(models.Model):
    """The share of demand a part category should be served from stock; 95% where none is set."""

    DEFAULT = Decimal("0.950")

    category = models.CharField(max_length=30, choices=PartCategory.choices, unique=True)
    service_level = models.DecimalField(max_digits=4, decimal_places=3)

    class Meta:
        ordering = ["category"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_level__gte=Decimal("0.5")) & Q(service_level__lte=Decimal("0.999")),
                name="servicelevel_between_50_and_99_9",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.service_level:.1%}"


# The name of the model-year tally's row in fleet's SummaryRefresh.
MODEL_YEAR_TALLY = "forecasting.model_year_tally"


class ModelYearTally(models.Model):
    """Per device model and school year (July-June, district time): devices acquired (purchase
    date, else the day the record was created), devices gone for good whose first move into
    retired, e-waste or lost fell in the year, and devices retired beyond economical repair in the
    year (failures). Only devices retired, e-waste or lost today count as gone or failed.

    What the refresh plan's failure history reads instead of every device and custody event;
    rebuilt whole by ``services.summaries.model_year_tally_refresh`` (nightly).
    """

    model = models.ForeignKey("fleet.DeviceModel", on_delete=models.CASCADE, related_name="+")
    school_year = models.IntegerField(help_text="The year the school year starts in.")
    acquired = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "school_year"]
        constraints = [
            models.UniqueConstraint(fields=["model", "school_year"], name="modelyeartally_unique_model_year")
        ]

    def __str__(self) -> str:
        return f"{self.model_id} in {self.school_year}"
