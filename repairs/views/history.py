"""The History tabs of a ticket, a part and a purchase order: every change of their fields, who
made it and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.views.history import render_history
from repairs import permissions, selectors


@require_GET
@login_required
def ticket_history(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    if not permissions.can_view_tickets(request.user):
        raise PermissionDenied
    ticket = selectors.ticket_get(user=request.user, ticket_id=ticket_id)
    return render_history(
        request,
        selectors.ticket_change_list(ticket=ticket),
        subject=ticket,
        title=f"Ticket #{ticket.pk}",
        back_url=reverse("repairs:ticket_detail", args=[ticket.pk]),
    )


@require_GET
@login_required
def part_history(request: HtmxHttpRequest, part_id: int) -> HttpResponse:
    if not permissions.can_view_stock(request.user):
        raise PermissionDenied
    part = selectors.part_get(part_id=part_id)
    return render_history(
        request,
        selectors.part_change_list(part=part),
        subject=part,
        title=part.part_number,
        back_url=reverse("repairs:part_detail", args=[part.pk]),
    )


@require_GET
@login_required
def purchase_order_history(request: HtmxHttpRequest, order_id: int) -> HttpResponse:
    if not permissions.can_manage_purchase_orders(request.user):
        raise PermissionDenied
    order = selectors.purchase_order_get(order_id=order_id)
    return render_history(
        request,
        selectors.purchase_order_change_list(order=order),
        subject=order,
        title=f"Purchase order {order.number}",
        back_url=reverse("repairs:purchase_order_detail", args=[order.pk]),
    )
