"""Repairs' panels on pages of the apps below it (a device page shows its tickets and loaners)."""

from __future__ import annotations

from typing import Any

from django import template

from fleet.models import Device
from repairs import permissions, selectors
from repairs.choices import OPEN_TICKET_STATUSES
from repairs.services.tickets import NOT_REPAIRABLE

register = template.Library()


@register.inclusion_tag("repairs/device_repairs.html", takes_context=True)
def device_repairs(context: template.Context, device: Device) -> dict[str, Any]:
    """The device's tickets the viewer may see, the loaners lent against them or as them, and
    what its repairs have cost so far."""
    user = context["request"].user
    return {
        "device": device,
        "repair_cost": selectors.device_repair_cost(device=device),
        "can_change": context.get("can_change", False),
        "tickets": selectors.ticket_list_for_device(user=user, device=device),
        "loans": selectors.device_loans(device=device),
    }


@register.inclusion_tag("repairs/device_actions.html", takes_context=True)
def device_repair_actions(context: template.Context, device: Device) -> dict[str, Any]:
    """The device page's repair buttons, the viewer's next step first: its open ticket (or open
    one), and a loaner for its user while it is in repair. Only what the viewer may do."""
    user = context["request"].user
    open_ticket = (
        selectors.ticket_list_for_device(user=user, device=device)
        .filter(status__in=OPEN_TICKET_STATUSES)
        .first()
    )
    shown = open_ticket if open_ticket and permissions.can_view_ticket(user, open_ticket) else None
    return {
        "device": device,
        "open_ticket": shown,
        "can_open": (
            open_ticket is None
            and device.status not in NOT_REPAIRABLE
            and permissions.can_open_ticket(user, device)
        ),
        "is_request": not permissions.can_work_tickets(user),
        "can_lend": (
            shown is not None
            and permissions.can_lend_loaners(user)
            and selectors.ticket_open_loan(ticket=shown) is None
        ),
    }
