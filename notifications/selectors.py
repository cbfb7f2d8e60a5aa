"""Reads for the notification pages: a person's choices, and the log of sent reminders."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import User
from notifications import permissions
from notifications.choices import DEFAULT_CADENCE, NotificationKind
from notifications.models import Delivery, NotificationPreference

DELIVERY_LIST_LIMIT = 100
RECENT_OWN_LIMIT = 10


def preference_map(*, user: User) -> dict[NotificationKind, str]:
    """The cadence of every kind that concerns the user: their choice, or the kind's default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "cadence"))
    return {
        kind: chosen.get(kind, DEFAULT_CADENCE[kind]) for kind in permissions.notification_kinds_for(user)
    }


def delivery_recent_for(*, user: User) -> QuerySet[Delivery]:
    """The last reminders claimed for the user themself, newest first."""
    return Delivery.objects.filter(user=user).order_by("-created_at", "-pk")[:RECENT_OWN_LIMIT]


def delivery_list(*, user: User) -> QuerySet[Delivery]:
    """The newest reminders sent to anyone (administrators only; PermissionDenied otherwise)."""
    if not permissions.can_view_deliveries(user):
        raise PermissionDenied
    return Delivery.objects.select_related("user").order_by("-created_at", "-pk")[:DELIVERY_LIST_LIMIT]
