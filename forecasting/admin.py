from django.contrib import admin

from forecasting import models


@admin.register(models.ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "trigger", "status", "created_at", "finished_at", "part_count", "error_count"]
    list_filter = ["status", "trigger"]


@admin.register(models.PartForecast)
class PartForecastAdmin(admin.ModelAdmin):
    list_display = ["run", "part", "horizon_weeks", "point", "method", "reorder_point", "suggested_order"]
    list_filter = ["method"]
    raw_id_fields = ["run", "part"]
    list_select_related = ["part"]


@admin.register(models.ReorderSuggestion)
class ReorderSuggestionAdmin(admin.ModelAdmin):
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
    list_select_related = ["part", "stock_location"]


@admin.register(models.ServiceLevelTarget)
class ServiceLevelTargetAdmin(admin.ModelAdmin):
    list_display = ["category", "service_level"]
