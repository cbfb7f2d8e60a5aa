from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.models import User
from core.admin import (
    AppendOnlyAdminMixin,
    AuditedModelAdmin,
    BigTableAdminMixin,
    run_service,
    service_action_form,
)
from repairs import models
from repairs.choices import TicketStatus
from repairs.services import loans as loan_services
from repairs.services import purchasing
from repairs.services import tickets as ticket_services

# Set only by the workflow service (``ticket_transition``), which writes the ticket event.
TICKET_STATE_FIELDS = ["status", "opened_at", "shipped_at", "vendor_returned_at", "closed_at", "version"]
PURCHASE_ORDER_STATE_FIELDS = ["status", "sent_at"]
LOAN_FIELDS = [
    "loaner",
    "ticket",
    "borrower_id",
    "checked_out_by",
    "checked_out_at",
    "returned_at",
    "returned_to",
]


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin site lets only signed-in staff in
    return request.user


class TicketEventInline(AppendOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = models.TicketEvent
    extra = 0
    fields = readonly_fields = ("occurred_at", "kind", "actor", "from_status", "to_status", "note")


class TicketMoveForm(forms.Form):
    to_status = forms.ChoiceField(label="New status", choices=TicketStatus.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Needed to reopen a returned or closed ticket; kept on the ticket's events.",
    )


@admin.register(models.Ticket)
class TicketAdmin(BigTableAdminMixin, AuditedModelAdmin):
    """Tickets open in the app (``ticket_open`` moves the device into repair); their status moves
    only through the workflow service, by the action below."""

    list_display = ["pk", "device", "symptom", "status", "tier", "assignee", "opened_at"]
    list_filter = ["status", "symptom", "tier", "priority"]
    date_hierarchy = "opened_at"  # ticket_opened_idx
    raw_id_fields = ["device", "location", "reporter", "assignee", "vendor"]
    readonly_fields = TICKET_STATE_FIELDS
    list_select_related = ["device", "assignee"]
    inlines = [TicketEventInline]
    actions = ["move_to_status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Move to another status…", permissions=["change"])
    def move_to_status(
        self, request: HttpRequest, queryset: QuerySet[models.Ticket]
    ) -> TemplateResponse | None:
        actor = _actor(request)

        def apply(data: Mapping[str, Any]) -> None:
            run_service(
                self,
                request,
                queryset,
                call=lambda ticket: ticket_services.ticket_transition(
                    ticket=ticket, actor=actor, to_status=data["to_status"], note=data["note"]
                ),
                fields=["status", "closed_at"],
                note=f"Note: {data['note']}" if data["note"] else "",
                done="Moved",
            )

        return service_action_form(
            self,
            request,
            queryset,
            action="move_to_status",
            form_class=TicketMoveForm,
            title="Move tickets to another status",
            submit="Move",
            apply=apply,
        )


@admin.register(models.TicketEvent)
class TicketEventAdmin(BigTableAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Append-only history: written by services, never edited in the admin. Listed in the
    model's (occurred_at, id) order, which ticketevent_time_id_idx serves."""

    list_display = ["ticket", "kind", "from_status", "to_status", "actor", "occurred_at"]
    list_filter = ["kind"]
    date_hierarchy = "occurred_at"  # ticketevent_time_id_idx
    list_select_related = ["ticket", "actor"]
    raw_id_fields = ["ticket", "actor"]


@admin.register(models.Vendor)
class VendorAdmin(AuditedModelAdmin):
    list_display = ["name", "email", "phone", "is_repair_depot"]
    search_fields = ["name"]


@admin.register(models.Part)
class PartAdmin(AuditedModelAdmin):
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
    list_select_related = ["vendor"]
    search_fields = ["^part_number", "description"]
    filter_horizontal = ["compatible_models"]


@admin.register(models.StockLocation)
class StockLocationAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "location", "technician"]
    list_filter = ["kind"]
    raw_id_fields = ["location", "technician"]
    list_select_related = ["location", "technician"]


@admin.register(models.StockLevel)
class StockLevelAdmin(AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: on hand is the sum of the ledger and changes only through the stock services."""

    list_display = ["part", "stock_location", "on_hand", "reorder_point"]
    list_filter = ["stock_location"]
    list_select_related = ["part", "stock_location"]
    search_fields = ["^part__part_number"]


@admin.register(models.StockMovement)
class StockMovementAdmin(BigTableAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The stock ledger: append-only, written by the stock services."""

    list_display = ["occurred_at", "kind", "part", "stock_location", "quantity", "ticket", "actor"]
    list_filter = ["kind", "stock_location"]
    date_hierarchy = "occurred_at"  # stockmove_time_id_idx
    list_select_related = ["part", "stock_location", "ticket", "actor"]


class PurchaseOrderLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.PurchaseOrderLine
    extra = 0
    raw_id_fields = ["part"]
    # Receipts raise it, each with its RECEIVED stock movement.
    readonly_fields = ["quantity_received"]


@admin.register(models.PurchaseOrder)
class PurchaseOrderAdmin(AuditedModelAdmin):
    """Orders are created in the app (``purchase_order_create`` refuses demo and inactive parts)
    and received there (each receipt books stock); sending and cancelling go through the
    purchasing service by the actions below."""

    list_display = ["number", "vendor", "status", "ship_to", "sent_at", "expected_on"]
    list_filter = ["status", "vendor"]
    inlines = [PurchaseOrderLineInline]
    readonly_fields = ["number", *PURCHASE_ORDER_STATE_FIELDS, "created_by", "version"]
    actions = ["send_orders", "cancel_orders"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send to the vendor", permissions=["change"])
    def send_orders(self, request: HttpRequest, queryset: QuerySet[models.PurchaseOrder]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset,
            call=lambda order: purchasing.purchase_order_send(order=order, actor=actor),
            fields=PURCHASE_ORDER_STATE_FIELDS,
            done="Sent",
        )

    @admin.action(description="Cancel", permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[models.PurchaseOrder]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset,
            call=lambda order: purchasing.purchase_order_cancel(order=order, actor=actor),
            fields=PURCHASE_ORDER_STATE_FIELDS,
            done="Cancelled",
        )


@admin.register(models.PurchaseOrderLine)
class PurchaseOrderLineAdmin(AuditedModelAdmin):
    list_display = ["order", "part", "quantity_ordered", "quantity_received", "unit_cost"]
    raw_id_fields = ["order", "part"]
    readonly_fields = ["quantity_received"]


@admin.register(models.Loan)
class LoanAdmin(AuditedModelAdmin):
    """Loans are lent in the app (with a ``loaned`` custody event); taking one back here goes
    through the loan service, which returns the loaner to its pool with its event."""

    list_display = ["loaner", "ticket", "borrower_id", "checked_out_at", "returned_at"]
    raw_id_fields = ["loaner", "ticket", "checked_out_by", "returned_to"]
    readonly_fields = LOAN_FIELDS
    list_select_related = ["loaner", "ticket"]
    show_full_result_count = False
    actions = ["take_back"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Loan | None = None) -> bool:
        return False

    @admin.action(description="Take the loaner back", permissions=["change"])
    def take_back(self, request: HttpRequest, queryset: QuerySet[models.Loan]) -> None:
        actor = _actor(request)
        run_service(
            self,
            request,
            queryset,
            call=lambda loan: loan_services.loan_return(loan=loan, actor=actor),
            fields=["returned_at", "returned_to"],
            done="Took back",
        )


@admin.register(models.PartUsageTally)
class PartUsageTallyAdmin(BigTableAdminMixin, AppendOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Rebuilt whole from the stock ledger; shown to check the usage report, never edited."""

    list_display = ["month", "model", "school", "parts", "cost"]
