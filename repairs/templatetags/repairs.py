"""Repairs' panels on pages of the apps below it (a device page shows its tickets and loaners)."""

from __future__ import annotations

from typing import Any

from django import template

from fleet.models import Device
from repairs import selectors

register = template.Library()


@register.inclusion_tag("repairs/device_repairs.html", takes_context=True)
def device_repairs(context: template.Context, device: Device) -> dict[str, Any]:
    """The device's tickets the viewer may see, and the loaners lent against them or as them."""
    user = context["request"].user
    return {
        "device": device,
        "can_change": context.get("can_change", False),
        "tickets": selectors.ticket_list_for_device(user=user, device=device),
        "loans": selectors.device_loans(device=device),
    }
