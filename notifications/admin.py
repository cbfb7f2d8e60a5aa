from django.contrib import admin

from core.admin import AppendOnlyAdminMixin, AuditedModelAdmin, BigTableAdminMixin
from notifications.models import Delivery, NotificationPreference


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(AuditedModelAdmin):
    list_display = ["user", "kind", "cadence", "updated_at"]
    list_filter = ["kind", "cadence"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Delivery)
class DeliveryAdmin(AppendOnlyAdminMixin, BigTableAdminMixin, AuditedModelAdmin):
    """The log that keeps each reminder to one email: written by the notification services only."""

    list_display = ["created_at", "user", "kind", "subject", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    search_fields = ["subject", "object_key", "user__username"]
