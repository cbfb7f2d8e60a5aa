"""Output shapes of the parts, stock and purchase order API."""

from __future__ import annotations

from rest_framework import serializers

from repairs.models import Part, PurchaseOrder, PurchaseOrderLine, StockLevel, StockMovement


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


class PurchaseOrderOutputSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.name")
    ship_to = serializers.CharField(source="ship_to.code")
    lines = PurchaseOrderLineOutputSerializer(many=True)

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
            "lines",
        ]
