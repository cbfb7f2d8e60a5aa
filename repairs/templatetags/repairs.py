"""Repairs' panels on pages of the apps below it (a device page shows its tickets and loaners)."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.templatetags.ui import count
from fleet.models import Device
from repairs import permissions, selectors
from repairs.choices import OPEN_TICKET_STATUSES, PartCategory
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


def _option(value: int, chosen: str, label: str) -> str:
    """One ``<option>``, selected when it is the form's value; ``label`` is already escaped."""
    return f'<option value="{value}"{" selected" if chosen == str(value) else ""}>{label}</option>'


@register.simple_tag
def part_issue_options(form: forms.Form) -> SafeString:
    """The ticket page's part select: every active part, fitting ones first, each with its total on
    hand. Built here rather than by a template loop: a district's ~400 parts cost about 15 ms a
    ticket page that way, most of it looking up five values per part; the HTML is the same."""
    field = form.fields["part"]
    assert isinstance(field, forms.ModelChoiceField)
    chosen = str(form["part"].value())
    labels = dict(PartCategory.choices)
    rows = field.queryset.values_list(  # type: ignore[union-attr]
        "pk", "part_number", "description", "category", "total_on_hand", "fits"
    )
    options = [
        _option(
            pk,
            chosen,
            f"{escape(number)} · {escape(description or labels.get(category, category))} · "
            f"{count(on_hand)} on hand{'' if fits else ' · does not fit: give an override reason'}",
        )
        for pk, number, description, category, on_hand, fits in rows
    ]
    return mark_safe("".join(options) or '<option value="">No active part in the catalogue</option>')


@register.simple_tag
def stock_location_options(form: forms.Form) -> SafeString:
    """The ticket page's "From" select, built like ``part_issue_options``."""
    field = form.fields["stock_location"]
    assert isinstance(field, forms.ModelChoiceField)
    chosen = str(form["stock_location"].value())
    rows = field.queryset.values_list("pk", "name")  # type: ignore[union-attr]
    return mark_safe("".join(_option(pk, chosen, escape(name)) for pk, name in rows))
