from django.contrib import admin

from repairs import models


class ReadOnlyHistoryMixin:
    """Append-only history: written by services, never edited in the admin."""

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class TicketEventInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = models.TicketEvent
    extra = 0
    fields = readonly_fields = ("occurred_at", "kind", "actor", "from_status", "to_status", "note")


@admin.register(models.Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["pk", "device", "symptom", "status", "tier", "assignee", "opened_at"]
    list_filter = ["status", "symptom", "tier", "priority"]
    raw_id_fields = ["device", "location", "reporter", "assignee", "vendor"]
    list_select_related = ["device", "assignee"]
    inlines = [TicketEventInline]
    show_full_result_count = False


@admin.register(models.TicketEvent)
class TicketEventAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["ticket", "kind", "from_status", "to_status", "actor", "occurred_at"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket", "actor"]
    show_full_result_count = False


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "is_repair_depot"]
    search_fields = ["name"]


@admin.register(models.Part)
class PartAdmin(admin.ModelAdmin):
    list_display = [
        "part_number",
        "description",
        "category",
        "unit_cost",
        "vendor",
        "lead_time_days",
        "is_demo",
    ]
    list_filter = ["category", "is_demo", "vendor"]
    search_fields = ["^part_number", "description"]
    filter_horizontal = ["compatible_models"]


@admin.register(models.StockLocation)
class StockLocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "location", "technician"]
    list_filter = ["kind"]
    raw_id_fields = ["location", "technician"]


@admin.register(models.StockLevel)
class StockLevelAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    """Read-only: on-hand changes only through the stock ledger's services."""

    list_display = ["part", "stock_location", "on_hand", "reorder_point"]
    list_filter = ["stock_location"]
    list_select_related = ["part", "stock_location"]
    search_fields = ["^part__part_number"]


@admin.register(models.StockMovement)
class StockMovementAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "part", "stock_location", "quantity", "ticket", "actor"]
    list_filter = ["kind", "stock_location"]
    list_select_related = ["part", "stock_location", "actor"]
    show_full_result_count = False


class PurchaseOrderLineInline(admin.TabularInline):
    model = models.PurchaseOrderLine
    extra = 0
    raw_id_fields = ["part"]


@admin.register(models.PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "vendor", "status", "ship_to", "sent_at", "expected_on"]
    list_filter = ["status", "vendor"]
    inlines = [PurchaseOrderLineInline]
    raw_id_fields = ["created_by"]


@admin.register(models.PurchaseOrderLine)
class PurchaseOrderLineAdmin(admin.ModelAdmin):
    list_display = ["order", "part", "quantity_ordered", "quantity_received", "unit_cost"]
    raw_id_fields = ["order", "part"]


@admin.register(models.Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ["loaner", "ticket", "borrower_id", "checked_out_at", "returned_at"]
    raw_id_fields = ["loaner", "ticket", "checked_out_by", "returned_to"]
    list_select_related = ["loaner"]
