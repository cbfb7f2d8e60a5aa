"""The students app's charge panel on pages of the apps below it (a repair ticket's page)."""

from __future__ import annotations

from typing import Any

from django import template

from repairs.models import Ticket
from students import selectors

register = template.Library()


@register.inclusion_tag("students/ticket_charge_panel.html", takes_context=True)
def ticket_charge(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    """The charge for the ticket's damage to the student who had the device, or a Propose button."""
    return selectors.ticket_charge_panel(user=context["request"].user, ticket=ticket)
