"""Rows of the repairs lists that repeat many times a page (``{% load repairs_lists %}``).

The ticket list holds 50 tickets (up to 250) of nine cells each, the parts catalogue 50 parts,
the stock list 50 levels with their links to transfer and adjust (and low stock its levels),
the ledger 50 movements of nine cells, the loaner pools a row per school (about 210), the
loaners due back 50 rows with a form each, the ticket queue a link per location. As template
loops their rows took a fifth to a half of each page's time at district scale; written here,
with the addresses built once (``path``), the markup is the same
(``tests/repairs/test_list_rows.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

from core.templatetags.links import path
from core.templatetags.ui import count, day, day_time, money, qty, status_badge
from repairs.models import Loan, Part, StockLevel, StockMovement
from repairs.selectors import LoanerPoolSummary, TicketListRow

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


@register.simple_tag
def loaner_pool_rows(schools: Iterable[LoanerPoolSummary]) -> SafeString:
    """A ``<tr>`` per school: its name linked to its pool, loaners available, out and due back
    (in bold when there are any)."""
    html = []
    for school in schools:
        link = escape(path("loans:loaner_pool", school.location.pk))
        due = f"<strong>{escape(count(school.due))}</strong>" if school.due else "0"
        html.append(
            "\n      <tr>"
            f'\n        <td data-label="School"><a href="{link}">{escape(school.location.name)}</a></td>'
            f'\n        <td data-label="Available" class="num">{escape(count(school.available))}</td>'
            f'\n        <td data-label="Out" class="num">{escape(count(school.out))}</td>'
            f'\n        <td data-label="Due back" class="num">{due}</td>'
            "\n      </tr>"
            "\n    "
        )
    return mark_safe("".join(html))


def _csrf_input(context: template.Context) -> str:
    """What ``{% csrf_token %}`` writes in this context (Django's own node)."""
    return CsrfTokenNode().render(context)


def _due_row(loan: Loan, can_change: bool, error: str, csrf_input: str) -> str:
    loaner, ticket = loan.loaner, loan.ticket
    tag = escape(loaner.asset_tag)
    alert = f'<span class="error" role="alert">{escape(error)}</span>' if error else ""
    if loan.returned_at:
        back_at = escape(day_time(template_localtime(loan.returned_at)))
        collected = f'<span class="success">Back in the pool {back_at}</span>'
    else:
        collected = "\n    "
        if can_change or error:
            back = escape(path("loans:loan_return", loan.pk))
            collected += (
                f'\n    <form method="post" action="{back}" hx-post="{back}" hx-target="closest tr" '
                'hx-swap="outerHTML">'
                f'\n      {csrf_input}<input type="hidden" name="from" value="due"><button type="submit" '
                'class="btn btn-sm btn-outline-secondary">Returned'
                f'<span class="visually-hidden"> {tag}</span></button>\n    </form>'
            )
    loaner_link = escape(path("fleet:device_detail", loan.loaner_id))
    pool_link = escape(path("loans:loaner_pool", loaner.location_id))
    ticket_link = escape(path("repairs:ticket_detail", loan.ticket_id))
    since = escape(day(template_localtime(loan.checked_out_at)))
    return (
        f'\n<tr id="due-row-{escape(loan.pk)}">'
        f'\n  <td data-label="Loaner"><a href="{loaner_link}">{tag}</a></td>'
        f'\n  <td data-label="School"><a href="{pool_link}">{escape(loaner.location.name)}</a></td>'
        f'\n  <td data-label="Ticket"><a href="{ticket_link}">#{escape(loan.ticket_id)}</a></td>'
        f'\n  <td data-label="Device">{escape(ticket.device.asset_tag)}</td>'
        f'\n  <td data-label="Ticket status">{status_badge(ticket.status, ticket.get_status_display())}</td>'
        f'\n  <td data-label="Since" class="text-nowrap">{since}</td>'
        f'\n  <td data-label="Collected">{alert}\n    {collected}</td>'
        "\n</tr>\n"
    )


@register.simple_tag(takes_context=True)
def loan_due_row(
    context: template.Context, loan: Loan, can_change: bool = False, error: str = ""
) -> SafeString:
    """One loaner due back: the loaner linked to its page, its school's pool, the ticket, the
    device it stands in for, the ticket's status, since when; then whether it is back in the
    pool, or the button that says so (for those who may, or after a refusal, with its reason)."""
    return mark_safe(_due_row(loan, can_change, error, _csrf_input(context)))


@register.simple_tag(takes_context=True)
def loan_due_rows(context: template.Context, loans: Iterable[Loan], can_change: bool) -> SafeString:
    """``loan_due_row`` for each loan of a page."""
    csrf_input = _csrf_input(context)
    return mark_safe("".join(_due_row(loan, can_change, "", csrf_input) for loan in loans))


@register.simple_tag
def stock_rows(
    levels: Iterable[StockLevel], can_move: bool, can_adjust: bool, transfer_url: str, adjust_url: str
) -> SafeString:
    """A ``<tr>`` per stock level: its location, the part linked to its page, on hand (marked
    low at or below a reorder point), the reorder point, and for those who may, links to
    transfer the part from there or adjust it there (``transfer_url``, ``adjust_url``)."""
    html = []
    for level in levels:
        low = level.is_low
        where = escape(level.stock_location)
        number = escape(level.part.part_number)
        part_link = escape(path("repairs:part_detail", level.part_id))
        badge = ' <span class="badge text-bg-warning text-dark">Low</span>' if low else ""
        low_class = ' class="low"' if low else ""
        on_hand = escape(qty(level.on_hand))
        actions = ""
        if can_move or can_adjust:
            query = f"?part={escape(level.part_id)}&amp;"
            transfer = (
                f'<a class="btn btn-sm btn-outline-secondary" href="{escape(transfer_url)}{query}'
                f'from_location={escape(level.stock_location_id)}">Transfer<span class="visually-hidden"> '
                f"{number} from {where}</span></a>"
                if can_move
                else ""
            )
            adjust = (
                f'<a class="btn btn-sm btn-outline-secondary" href="{escape(adjust_url)}{query}'
                f'stock_location={escape(level.stock_location_id)}">Adjust<span class="visually-hidden"> '
                f"{number} at {where}</span></a>"
                if can_adjust
                else ""
            )
            actions = (
                '\n          <td data-label="Actions" class="text-nowrap"><span class="d-inline-flex gap-2">'
                f"\n            {transfer}\n            {adjust}\n          </span></td>\n          "
            )
        html.append(
            f"\n        <tr{low_class}>"
            f'\n          <td data-label="Location">{where}</td>'
            f'\n          <td data-label="Part"><span><a href="{part_link}">{number}</a> '
            f"{escape(level.part.description)}</span></td>"
            f'\n          <td data-label="On hand" class="num"><span>{on_hand}{badge}</span></td>'
            f'\n          <td data-label="Reorder point" class="num">{escape(qty(level.reorder_point))}</td>'
            f"\n          {actions}"
            "\n        </tr>"
            "\n      "
        )
    return mark_safe("".join(html))


@register.simple_tag
def stock_movement_rows(movements: Iterable[StockMovement]) -> SafeString:
    """A ``<tr>`` per ledger movement: when (local time), its kind, the part linked to its page,
    the location (and where a transfer went to or came from), the signed quantity, the unit
    cost, the ticket linked or the device a part was harvested from, the reason, who."""
    html = []
    for movement in movements:
        when = escape(day_time(template_localtime(movement.occurred_at)))
        part_link = escape(path("repairs:part_detail", movement.part_id))
        where: str = escape(movement.stock_location)
        if movement.transfer_peer:
            way = "to" if movement.quantity < 0 else "from"
            where = f"{where} ({way} {escape(movement.transfer_peer)})"
        sign = "+" if movement.quantity > 0 else ""
        number = escape(movement.part.part_number)
        if movement.ticket_id:
            ticket_link = escape(path("repairs:ticket_detail", movement.ticket_id))
            source = f'<a href="{ticket_link}">Ticket #{escape(movement.ticket_id)}</a>'
        elif movement.source_device:
            source = escape(movement.source_device.asset_tag)
        else:
            source = "—"
        html.append(
            "\n      <tr>"
            f'\n        <td data-label="When" class="text-nowrap">{when}</td>'
            f'\n        <td data-label="Kind">{escape(movement.get_kind_display())}</td>'
            f'\n        <td data-label="Part"><a href="{part_link}">{number}</a></td>'
            f'\n        <td data-label="Location">{where}</td>'
            f'\n        <td data-label="Quantity" class="num">{sign}{escape(qty(movement.quantity))}</td>'
            f'\n        <td data-label="Unit cost" class="num">{escape(money(movement.unit_cost))}</td>'
            f'\n        <td data-label="Ticket or source">{source}</td>'
            f'\n        <td data-label="Reason">{escape(movement.reason or "—")}</td>'
            f'\n        <td data-label="By">{escape(movement.actor or "—")}</td>'
            "\n      </tr>"
            "\n    "
        )
    return mark_safe("".join(html))


@register.simple_tag
def part_rows(parts: Iterable[Part]) -> SafeString:
    """A ``<tr>`` per part: its number linked to its page (marked when it is a demo part, never
    to order), description, category, vendor, unit cost and what all locations hold."""
    html = []
    for part in parts:
        on_hand = part.total_on_hand  # type: ignore[attr-defined]  # annotated by selectors.part_list
        link = escape(path("repairs:part_detail", part.pk))
        demo = (
            ' <span class="badge text-bg-warning text-dark">Demo: never order</span>' if part.is_demo else ""
        )
        html.append(
            "\n        <tr>"
            f'\n          <td data-label="Part number"><span><a href="{link}">{escape(part.part_number)}</a>'
            f"{demo}</span></td>"
            f'\n          <td data-label="Description">{escape(part.description)}</td>'
            f'\n          <td data-label="Category">{escape(part.get_category_display())}</td>'
            f'\n          <td data-label="Vendor">{escape(part.vendor or "—")}</td>'
            f'\n          <td data-label="Unit cost" class="num">{escape(money(part.unit_cost))}</td>'
            f'\n          <td data-label="On hand" class="num">{escape(qty(on_hand))}</td>'
            "\n        </tr>"
            "\n      "
        )
    return mark_safe("".join(html))


@register.simple_tag
def low_stock_rows(rows: Iterable[tuple[StockLevel, object]]) -> SafeString:
    """A ``<tr>`` per level at or below its reorder point: location, the part linked to its
    page, on hand, the reorder point and what is on order for it."""
    html = []
    for level, on_order in rows:
        link = escape(path("repairs:part_detail", level.part_id))
        html.append(
            "\n      <tr>"
            f'\n        <td data-label="Location">{escape(level.stock_location)}</td>'
            f'\n        <td data-label="Part"><span><a href="{link}">{escape(level.part.part_number)}</a> '
            f"{escape(level.part.description)}</span></td>"
            f'\n        <td data-label="On hand" class="num">{escape(qty(level.on_hand))}</td>'
            f'\n        <td data-label="Reorder point" class="num">{escape(qty(level.reorder_point))}</td>'
            f'\n        <td data-label="On order" class="num">{escape(qty(on_order))}</td>'
            "\n      </tr>"
            "\n    "
        )
    return mark_safe("".join(html))


@register.simple_tag
def queue_location_links(locations: Iterable[tuple[int, str]], current: Any = None) -> SafeString:
    """The ticket queue's link to each location's queue, from rows of id and name; the one shown
    (``current``, a location) is marked as the current page. A template loop over 210 locations
    as model instances took about 5 ms of the queue's 18."""
    here = current.pk if current else None
    html = []
    for pk, name in locations:
        link = escape(path("repairs:ticket_queue_location", pk))
        mark = ' aria-current="page"' if pk == here else ""
        html.append(f'<li class="list-inline-item"><a href="{link}"{mark}>{escape(name)}</a></li>')
    return mark_safe("".join(html))
