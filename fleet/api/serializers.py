"""Output shapes of the fleet API."""

from __future__ import annotations

from rest_framework import serializers

from fleet.filters import warranty_state
from fleet.models import CustodyEvent, Device, DeviceModel, Location


class LocationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "code", "name", "kind", "cluster", "address", "is_active"]


class DeviceModelOutputSerializer(serializers.ModelSerializer):
    manufacturer = serializers.CharField(source="manufacturer.name")
    aue_date = serializers.DateField(allow_null=True)

    class Meta:
        model = DeviceModel
        fields = [
            "id",
            "manufacturer",
            "name",
            "model_codes",
            "device_type",
            "form_factor",
            "aue_month",
            "aue_date",
            "warranty_months",
            "unit_price",
        ]


class DeviceOutputSerializer(serializers.ModelSerializer):
    manufacturer = serializers.CharField(source="manufacturer.name")
    model = serializers.CharField(source="model.name")
    model_id = serializers.IntegerField()
    location = serializers.CharField(source="location.code")
    location_id = serializers.IntegerField()
    aue_date = serializers.DateField(allow_null=True)
    warranty_state = serializers.SerializerMethodField()
    in_vehicle_of = serializers.SerializerMethodField()
    assignee_kind = serializers.SerializerMethodField()
    assignee_id = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = [
            "id",
            "asset_tag",
            "serial",
            "manufacturer",
            "model",
            "model_id",
            "status",
            "location",
            "location_id",
            "in_vehicle_of",
            "assignee_kind",
            "assignee_id",
            "is_loaner",
            "purchase_date",
            "purchase_order_number",
            "warranty_end",
            "warranty_state",
            "aue_date",
            "os_version",
            "google_device_id",
            "org_unit_path",
            "last_sync",
            "version",
        ]

    def get_warranty_state(self, device: Device) -> str:
        return warranty_state(device.warranty_end)

    def get_in_vehicle_of(self, device: Device) -> str | None:
        return device.custodian.username if device.custodian_id and device.custodian else None

    def _show_assignee(self) -> bool:
        return bool(self.context.get("show_assignee"))

    def get_assignee_kind(self, device: Device) -> str | None:
        """Hidden (null) for roles that may not see who holds a device."""
        return device.assignee_kind if self._show_assignee() else None

    def get_assignee_id(self, device: Device) -> str | None:
        return device.assignee_id if self._show_assignee() else None


class CustodyEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    from_location = serializers.CharField(source="from_location.code", allow_null=True, default=None)
    to_location = serializers.CharField(source="to_location.code", allow_null=True, default=None)

    class Meta:
        model = CustodyEvent
        fields = [
            "id",
            "kind",
            "occurred_at",
            "actor",
            "from_location",
            "to_location",
            "from_status",
            "to_status",
            "from_custodian_id",
            "to_custodian_id",
            "ticket_id",
            "reason",
        ]

    def get_actor(self, event: CustodyEvent) -> str | None:
        return event.actor.get_username() if event.actor else None
