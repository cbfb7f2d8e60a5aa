from django.contrib import admin
from django.http import HttpRequest

from core.admin import AppendOnlyAdminMixin, AuditedModelAdmin
from forecasting import models


@admin.register(models.ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A run is a record of what the forecast job did: its status and counts are the job's alone.
    Runs start from the forecast pages ("Run now") or the nightly schedule, never here."""

    list_display = ["pk", "trigger", "status", "created_at", "finished_at", "part_count", "error_count"]
    list_filter = ["status", "trigger"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.ForecastRun | None = None) -> bool:
        return False


@admin.register(models.PartForecast)
class PartForecastAdmin(AuditedModelAdmin):
    list_display = ["run", "part", "horizon_weeks", "point", "method", "reorder_point", "suggested_order"]
    list_filter = ["method"]
    raw_id_fields = ["run", "part"]
    list_select_related = ["run", "part"]


@admin.register(models.ReorderSuggestion)
class ReorderSuggestionAdmin(AuditedModelAdmin):
    list_display = [
        "run",
        "part",
        "stock_location",
        "reorder_point",
        "on_hand",
        "on_order",
        "suggested_quantity",
    ]
    raw_id_fields = ["run", "part", "stock_location", "purchase_order"]
    list_select_related = ["run", "part", "stock_location"]


@admin.register(models.ServiceLevelTarget)
class ServiceLevelTargetAdmin(AuditedModelAdmin):
    list_display = ["category", "service_level"]


@admin.register(models.ModelYearTally)
class ModelYearTallyAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Rebuilt whole from devices and custody events; shown to check the refresh plan, never edited."""

    list_display = ["model", "school_year", "acquired", "gone", "failures"]
    list_select_related = ["model"]
