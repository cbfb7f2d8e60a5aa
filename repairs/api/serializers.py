"""Output shapes of the tickets API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from repairs import selectors
from repairs.choices import TicketStatus
from repairs.domain import cost, workflow
from repairs.models import (
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockMovement,
    Ticket,
    TicketEvent,
)


class TicketOutputSerializer(serializers.ModelSerializer):
    device_id = serializers.IntegerField()
    asset_tag = serializers.CharField(source="device.asset_tag")
    serial = serializers.CharField(source="device.serial")
    model = serializers.CharField(source="device.model.name")
    location_id = serializers.IntegerField()
    location = serializers.CharField(source="location.code")
    reporter = serializers.CharField(source="reporter.username")
    assignee_id = serializers.IntegerField(allow_null=True)
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    vendor_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "device_id",
            "asset_tag",
            "serial",
            "model",
            "location_id",
            "location",
            "reporter",
            "opened_at",
            "symptom",
            "damage_cause",
            "priority",
            "tier",
            "status",
            "assignee_id",
            "assignee",
            "problem_summary",
            "resolution_summary",
            "labour_minutes",
            "vendor_id",
            "vendor_reference",
            "coverage",
            "shipped_at",
            "vendor_returned_at",
            "closed_at",
            "version",
        ]


class TicketEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "occurred_at", "from_status", "to_status", "note"]


class TicketFlagsOutputSerializer(serializers.Serializer):
    """Repair or replace: warranty, updates left and the price of a new one against parts so far."""

    warranty_active = serializers.BooleanField()
    months_of_updates_left = serializers.IntegerField(allow_null=True)
    close_to_aue = serializers.BooleanField()
    replacement_cost = serializers.DecimalField(max_digits=8, decimal_places=2)
    parts_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    labour_rate_per_hour = serializers.DecimalField(
        max_digits=7, decimal_places=2, source="advice.this_repair.labour_rate"
    )
    this_repair_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        source="advice.this_repair.total",
        help_text="Parts so far plus labour: recorded, or estimated from the parts' fitting times.",
    )
    labour_estimated = serializers.BooleanField(source="advice.labour_estimated")
    other_repairs_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        source="advice.other_repairs.total",
        help_text="Parts and labour of the device's other tickets.",
    )
    remaining_value = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        source="advice.value.amount",
        allow_null=True,
        help_text="Replacement price x months of updates left / supported months; null without a price.",
    )
    advice = serializers.ChoiceField(
        choices=[(verdict.value, verdict.value) for verdict in cost.Verdict],
        source="advice.verdict",
        allow_null=True,
        help_text="The cheaper of the two; null when the model has no replacement price.",
    )
    advice_sentence = serializers.CharField(source="advice.sentence")


class TurnaroundOutputSerializer(serializers.Serializer):
    time_to_triage = serializers.DurationField(allow_null=True)
    time_to_repair = serializers.DurationField(allow_null=True)
    time_waiting_for_parts = serializers.DurationField()


class TicketDetailOutputSerializer(TicketOutputSerializer):
    next_statuses = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()
    turnaround = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(TicketOutputSerializer.Meta):
        fields = [*TicketOutputSerializer.Meta.fields, "next_statuses", "flags", "turnaround", "events"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=TicketStatus.choices)))
    def get_next_statuses(self, ticket: Ticket) -> list[TicketStatus]:
        return [TicketStatus(status) for status in workflow.next_statuses(ticket.status)]

    @extend_schema_field(TicketFlagsOutputSerializer)
    def get_flags(self, ticket: Ticket) -> dict[str, Any]:
        return dict(TicketFlagsOutputSerializer(selectors.ticket_flags(ticket=ticket)).data)

    @extend_schema_field(TurnaroundOutputSerializer)
    def get_turnaround(self, ticket: Ticket) -> dict[str, Any]:
        return dict(TurnaroundOutputSerializer(selectors.ticket_turnaround(ticket=ticket)).data)

    @extend_schema_field(TicketEventOutputSerializer(many=True))
    def get_events(self, ticket: Ticket) -> list[dict[str, Any]]:
        events = selectors.ticket_events(ticket=ticket)
        return list(TicketEventOutputSerializer(events, many=True).data)


class PartOutputSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.name", allow_null=True, default=None)
    compatible_model_ids = serializers.SerializerMethodField()
    total_on_hand = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Part
        fields = [
            "id",
            "part_number",
            "description",
            "category",
            "unit_cost",
            "vendor",
            "vendor_id",
            "lead_time_days",
            "pack_size",
            "minimum_order",
            "is_demo",
            "is_active",
            "compatible_model_ids",
            "total_on_hand",
        ]

    def get_compatible_model_ids(self, part: Part) -> list[int]:
        # Read from the prefetch cache: .all(), not values_list, or every row costs a query.
        return [model.pk for model in part.compatible_models.all()]


class StockLevelOutputSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number")
    stock_location = serializers.CharField(source="stock_location.code")
    is_low = serializers.SerializerMethodField()

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "part_id",
            "part_number",
            "stock_location_id",
            "stock_location",
            "on_hand",
            "reorder_point",
            "is_low",
        ]

    def get_is_low(self, level: StockLevel) -> bool:
        return level.reorder_point > 0 and level.on_hand <= level.reorder_point


class StockMovementOutputSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number")
    stock_location = serializers.CharField(source="stock_location.code")
    transfer_peer = serializers.CharField(source="transfer_peer.code", allow_null=True, default=None)
    source_device = serializers.CharField(source="source_device.asset_tag", allow_null=True, default=None)
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "occurred_at",
            "kind",
            "part_id",
            "part_number",
            "stock_location_id",
            "stock_location",
            "quantity",
            "unit_cost",
            "ticket_id",
            "purchase_order_line_id",
            "source_device",
            "transfer_peer",
            "reason",
            "actor",
        ]


class PurchaseOrderLineOutputSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number")

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "part_id", "part_number", "quantity_ordered", "quantity_received", "unit_cost"]


class _PurchaseOrderFields(serializers.ModelSerializer):
    """What the list and the order's own answers share."""

    vendor = serializers.CharField(source="vendor.name")
    ship_to = serializers.CharField(source="ship_to.code")

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "status",
            "vendor_id",
            "vendor",
            "ship_to_id",
            "ship_to",
            "sent_at",
            "expected_on",
            "notes",
            "version",
            "created_at",
        ]


class PurchaseOrderSummaryOutputSerializer(_PurchaseOrderFields):
    """An order in the list: its totals, not its lines (a district order has about 90; a page of
    50 orders with their lines was 590 KiB). ``GET /api/purchase-orders/<id>/`` has the lines."""

    line_count = serializers.IntegerField()
    units_ordered = serializers.IntegerField()
    units_received = serializers.IntegerField()
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta(_PurchaseOrderFields.Meta):
        fields = [
            *_PurchaseOrderFields.Meta.fields,
            "line_count",
            "units_ordered",
            "units_received",
            "total_cost",
        ]


class PurchaseOrderOutputSerializer(_PurchaseOrderFields):
    lines = PurchaseOrderLineOutputSerializer(many=True)

    class Meta(_PurchaseOrderFields.Meta):
        fields = [*_PurchaseOrderFields.Meta.fields, "lines"]
