"""Reads of repairs for screens and endpoints."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from fleet.models import Device
from repairs.models import Ticket


def ticket_list_for_device(*, user: User | AnonymousUser, device: Device) -> QuerySet[Ticket]:
    """A device's tickets, newest first, for a user already allowed to see the device."""
    return Ticket.objects.filter(device=device).select_related("assignee").order_by("-opened_at", "-pk")
