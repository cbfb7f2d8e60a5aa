"""The ticket list's rows (``{% load repairs_lists %}``).

A page holds 50 tickets (up to 250) of nine cells each. As a template loop the rows took about a
fifth of the list's time at district scale; written here, with the ticket page's address built
once (``path``), the markup is the same (``tests/repairs/test_list_rows.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from core.templatetags.links import path
from core.templatetags.ui import day, status_badge
from repairs.selectors import TicketListRow

register = template.Library()


@register.simple_tag
def ticket_rows(tickets: Iterable[TicketListRow]) -> SafeString:
    """A ``<tr>`` per ticket: its number linked to its page, the device and its model, the day it
    was opened (local time), symptom, priority, tier, status, location and assignee."""
    html = []
    for ticket in tickets:
        link = escape(path("repairs:ticket_detail", ticket.pk))
        html.append(
            "\n        <tr>"
            f'\n          <td data-label="Ticket"><a href="{link}">'
            f"#{escape(ticket.pk)}</a></td>"
            f'\n          <td data-label="Device"><span>{escape(ticket.asset_tag)} '
            f'<small class="text-body-secondary">{escape(ticket.model_name)}</small></span></td>'
            f'\n          <td data-label="Opened" class="text-nowrap">'
            f"{escape(day(template_localtime(ticket.opened_at)))}</td>"
            f'\n          <td data-label="Symptom">{escape(ticket.symptom_label)}</td>'
            f'\n          <td data-label="Priority">{escape(ticket.priority_label)}</td>'
            f'\n          <td data-label="Tier">{escape(ticket.tier_label)}</td>'
            f'\n          <td data-label="Status">{status_badge(ticket.status, ticket.status_label)}</td>'
            f'\n          <td data-label="Location">{escape(ticket.location_name)}</td>'
            f'\n          <td data-label="Assignee">{escape(ticket.assignee or "—")}</td>'
            "\n        </tr>"
            "\n      "
        )
    return mark_safe("".join(html))
