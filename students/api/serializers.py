"""Output shapes of the students API."""

from __future__ import annotations

from rest_framework import serializers

from students.models import Charge, Payment


class PaymentOutputSerializer(serializers.ModelSerializer):
    received_by = serializers.CharField(source="received_by.username")

    class Meta:
        model = Payment
        fields = [
            "id",
            "charge_id",
            "receipt_number",
            "amount",
            "method",
            "received_at",
            "received_by",
            "note",
        ]


class ChargeOutputSerializer(serializers.ModelSerializer):
    student_id = serializers.IntegerField()
    student = serializers.CharField(source="student.identifier", help_text="The district's student ID.")
    device_id = serializers.IntegerField()
    asset_tag = serializers.CharField(source="device.asset_tag")
    ticket_id = serializers.IntegerField(allow_null=True)
    handout_id = serializers.IntegerField(allow_null=True)
    balance = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "student_id",
            "student",
            "device_id",
            "asset_tag",
            "ticket_id",
            "handout_id",
            "damage_cause",
            "amount",
            "amount_paid",
            "balance",
            "status",
            "reason",
            "version",
            "created_at",
        ]


class ChargeDetailOutputSerializer(ChargeOutputSerializer):
    payments = PaymentOutputSerializer(many=True, read_only=True)

    class Meta(ChargeOutputSerializer.Meta):
        fields = [*ChargeOutputSerializer.Meta.fields, "payments"]
