"""Output shapes of the forecast API."""

from __future__ import annotations

from rest_framework import serializers

from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion


class ForecastRunOutputSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, default=None)
    progress = serializers.SerializerMethodField(help_text="Share of parts done, 0 to 1.")

    class Meta:
        model = ForecastRun
        fields = [
            "id",
            "trigger",
            "status",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "run_date",
            "history_end",
            "part_count",
            "parts_done",
            "error_count",
            "error_message",
            "progress",
            "parameters",
        ]

    def get_progress(self, run: ForecastRun) -> float:
        return round(run.parts_done / run.part_count, 4) if run.part_count else 0.0


PART_FORECAST_FIELDS = [
    "id",
    "run_id",
    "part_id",
    "part_number",
    "description",
    "category",
    "vendor",
    "vendor_id",
    "unit_cost",
    "horizon_weeks",
    "point",
    "quantiles",
    "expected_spend",
    "method",
    "service_level",
    "warranty_share",
    "on_hand",
    "on_order",
    "reorder_point",
    "suggested_order",
    "accuracy",
]


class PartForecastOutputSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number")
    description = serializers.CharField(source="part.description")
    category = serializers.CharField(source="part.category")
    vendor = serializers.CharField(source="part.vendor.name", allow_null=True, default=None)
    vendor_id = serializers.IntegerField(source="part.vendor_id", allow_null=True)
    unit_cost = serializers.DecimalField(source="part.unit_cost", max_digits=8, decimal_places=2)

    class Meta:
        model = PartForecast
        fields = PART_FORECAST_FIELDS


class PartForecastDetailOutputSerializer(PartForecastOutputSerializer):
    """One part's forecast with the weekly series a chart needs."""

    class Meta:
        model = PartForecast
        fields = [
            *PART_FORECAST_FIELDS,
            "weekly_mean",
            "weekly_quantiles",
            "history",
            "history_start",
            "error",
        ]


class ReorderSuggestionOutputSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number")
    category = serializers.CharField(source="part.category")
    is_demo = serializers.BooleanField(source="part.is_demo")
    vendor = serializers.CharField(source="part.vendor.name", allow_null=True, default=None)
    vendor_id = serializers.IntegerField(source="part.vendor_id", allow_null=True)
    stock_location = serializers.CharField(source="stock_location.code")
    purchase_order = serializers.CharField(source="purchase_order.number", allow_null=True, default=None)

    class Meta:
        model = ReorderSuggestion
        fields = [
            "id",
            "run_id",
            "part_id",
            "part_number",
            "category",
            "is_demo",
            "vendor",
            "vendor_id",
            "stock_location_id",
            "stock_location",
            "location_share",
            "lead_time_days",
            "service_level",
            "lead_time_demand",
            "safety_stock",
            "reorder_point",
            "order_up_to",
            "on_hand",
            "on_order",
            "warranty_covered",
            "suggested_quantity",
            "unit_cost",
            "purchase_order_id",
            "purchase_order",
        ]
