from django.contrib import admin

from fleet import models


@admin.register(models.Manufacturer)
class ManufacturerAdmin(admin.ModelAdmin):
    list_display = ["name", "serial_regex", "serial_example"]
    search_fields = ["name"]


@admin.register(models.DeviceModel)
class DeviceModelAdmin(admin.ModelAdmin):
    list_display = ["name", "manufacturer", "device_type", "aue_month", "warranty_months", "unit_price"]
    list_filter = ["manufacturer", "device_type"]
    search_fields = ["name", "model_codes", "google_names"]


@admin.register(models.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "cluster", "is_active"]
    list_filter = ["kind", "cluster", "is_active"]
    search_fields = ["code", "name"]


@admin.register(models.Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["asset_tag", "serial", "model", "status", "location", "warranty_end"]
    list_filter = ["status", "manufacturer", "is_loaner"]
    # Prefix search: "^" keeps it on the asset tag and serial indexes at 250,000 devices.
    search_fields = ["^asset_tag", "^serial"]
    raw_id_fields = ["location", "custodian", "model"]
    list_select_related = ["model", "location"]
    show_full_result_count = False


@admin.register(models.CustodyEvent)
class CustodyEventAdmin(admin.ModelAdmin):
    list_display = ["device", "kind", "occurred_at", "actor", "from_location", "to_location"]
    list_filter = ["kind"]
    raw_id_fields = [
        "device",
        "actor",
        "from_location",
        "to_location",
        "from_custodian",
        "to_custodian",
        "ticket",
    ]
    list_select_related = ["device", "actor", "from_location", "to_location"]
    show_full_result_count = False

    # Append-only: the history is written by services and never edited by hand.
    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


class LocationAuditScanInline(admin.TabularInline):
    model = models.LocationAuditScan
    fields = ["scanned_code", "device", "outcome", "scanned_at"]
    readonly_fields = ["scanned_code", "device", "outcome", "scanned_at"]
    raw_id_fields = ["device"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(models.LocationAudit)
class LocationAuditAdmin(admin.ModelAdmin):
    list_display = ["location", "started_by", "started_at", "finished_at"]
    list_filter = ["location__kind"]
    raw_id_fields = ["location", "started_by"]
    list_select_related = ["location", "started_by"]
    inlines = [LocationAuditScanInline]


@admin.register(models.LocationAuditScan)
class LocationAuditScanAdmin(admin.ModelAdmin):
    list_display = ["audit", "scanned_code", "device", "outcome", "scanned_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["audit", "device"]
    list_select_related = ["audit", "device"]
    show_full_result_count = False

    # Append-only: audit lines are written by services.
    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
