"""Output shapes shared by every app's API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.selectors import HistoryEntry


class HistoryUserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="__str__")


class HistoryEntryOutputSerializer(serializers.Serializer):
    """One recorded change: who made it, when, through which path or task, and per changed
    field its old and new value (a creation lists the values it was created with). History is
    recorded on PostgreSQL; on any other database the list is empty."""

    id = serializers.CharField(help_text="Unique across every history table.")
    occurred_at = serializers.DateTimeField()
    action = serializers.CharField(help_text="insert, update or delete")
    model = serializers.CharField(help_text="The changed row's model, e.g. repairs.PurchaseOrderLine.")
    object_id = serializers.CharField()
    user = HistoryUserOutputSerializer(allow_null=True, help_text="Null for a task or a shell.")
    url = serializers.CharField(help_text="The request path; empty outside a request.")
    remote_addr = serializers.CharField()
    task = serializers.CharField(help_text="The Celery task's name; empty outside a task.")
    changes = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "description": "{field: [old, new]}; related rows by id.",
            "additionalProperties": {"type": "array", "items": {}, "minItems": 2, "maxItems": 2},
        }
    )
    def get_changes(self, entry: HistoryEntry) -> dict[str, list[Any]]:
        return {change.field: [change.old, change.new] for change in entry.changes}
