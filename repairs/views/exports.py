"""CSV exports of the repairs lists: each list's rows, with the list's filters and permission.

Every export reads the same selector and FilterSet as its page, so the file holds exactly the
rows the filtered list shows (all of them, not one page). Rows stream through
``core.services.exports`` (which neutralises formula-like text), so a district's whole ledger
never sits in memory. Numbers are passed as numbers and dates as ISO text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.services import exports
from repairs import permissions, selectors
from repairs.filters.stock import (
    PartFilterSet,
    PurchaseOrderFilterSet,
    StockLevelFilterSet,
    StockMovementFilterSet,
)
from repairs.models import Part, PurchaseOrder, StockLevel, StockMovement, Ticket

CHUNK = 2000


def _filename(name: str) -> str:
    return f"{name}-{timezone.localdate():%Y-%m-%d}.csv"


def _money(value: Decimal | int | None) -> str:
    """An amount with two decimals whatever the database summed it as (SQLite drops them)."""
    return "" if value is None else f"{Decimal(value):.2f}"


def _iso(value: dt.date | dt.datetime | None) -> str:
    """A date, or a time in the district's zone to the minute, as ISO text; "" for none."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


@require_GET
@login_required
def ticket_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The ticket list as filtered, every page of it."""
    if not permissions.can_view_tickets(request.user):
        raise PermissionDenied
    filterset = selectors.ticket_filterset(user=request.user, filters=request.GET)
    tickets: QuerySet[Ticket] = filterset.qs if filterset.is_valid() else Ticket.objects.none()

    def rows() -> Iterator[list[object]]:
        yield [
            "ticket",
            "opened_at",
            "asset_tag",
            "serial",
            "model",
            "symptom",
            "priority",
            "tier",
            "status",
            "location",
            "assignee",
        ]
        for ticket in tickets.iterator(chunk_size=CHUNK):
            yield [
                ticket.pk,
                _iso(ticket.opened_at),
                ticket.device.asset_tag,
                ticket.device.serial,
                ticket.device.model.name,
                ticket.get_symptom_display(),
                ticket.get_priority_display(),
                ticket.get_tier_display(),
                ticket.get_status_display(),
                ticket.location.name,
                str(ticket.assignee) if ticket.assignee_id else "",
            ]

    return exports.csv_streaming_response(rows(), filename=_filename("tickets"))


def _require_stock(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_stock(request.user):
        raise PermissionDenied


@require_GET
@login_required
def part_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The parts catalogue as filtered, with the total on hand everywhere."""
    _require_stock(request)
    filterset = PartFilterSet(request.GET, queryset=selectors.part_list())
    parts: QuerySet[Part] = filterset.qs if filterset.is_valid() else Part.objects.none()

    def rows() -> Iterator[list[object]]:
        yield ["part_number", "description", "category", "vendor", "unit_cost", "on_hand", "active", "demo"]
        for part in parts.prefetch_related(None).iterator(chunk_size=CHUNK):
            yield [
                part.part_number,
                part.description,
                part.get_category_display(),
                part.vendor.name if part.vendor else "",
                part.unit_cost,
                part.total_on_hand,  # type: ignore[attr-defined]
                "yes" if part.is_active else "no",
                "yes" if part.is_demo else "no",
            ]

    return exports.csv_streaming_response(rows(), filename=_filename("parts"))


@require_GET
@login_required
def stock_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """Stock on hand per location as filtered."""
    _require_stock(request)
    filterset = StockLevelFilterSet(request.GET, queryset=selectors.stock_levels())
    levels: QuerySet[StockLevel] = filterset.qs if filterset.is_valid() else StockLevel.objects.none()

    def rows() -> Iterator[list[object]]:
        yield ["location", "part_number", "description", "category", "on_hand", "reorder_point", "low"]
        for level in levels.iterator(chunk_size=CHUNK):
            low = bool(level.reorder_point) and level.on_hand <= level.reorder_point
            yield [
                str(level.stock_location),
                level.part.part_number,
                level.part.description,
                level.part.get_category_display(),
                level.on_hand,
                level.reorder_point,
                "yes" if low else "no",
            ]

    return exports.csv_streaming_response(rows(), filename=_filename("stock"))


@require_GET
@login_required
def stock_movement_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The stock ledger as filtered, newest first."""
    _require_stock(request)
    filterset = StockMovementFilterSet(request.GET, queryset=selectors.stock_movement_list())
    movements: QuerySet[StockMovement] = (
        filterset.qs if filterset.is_valid() else StockMovement.objects.none()
    )

    def rows() -> Iterator[list[object]]:
        yield [
            "occurred_at",
            "kind",
            "part_number",
            "location",
            "other_location",
            "quantity",
            "unit_cost",
            "ticket",
            "source_device",
            "reason",
            "by",
        ]
        for movement in movements.iterator(chunk_size=CHUNK):
            yield [
                _iso(movement.occurred_at),
                movement.get_kind_display(),
                movement.part.part_number,
                str(movement.stock_location),
                str(movement.transfer_peer) if movement.transfer_peer_id else "",
                movement.quantity,
                movement.unit_cost,
                movement.ticket_id,
                movement.source_device.asset_tag if movement.source_device else "",
                movement.reason,
                str(movement.actor) if movement.actor_id else "",
            ]

    return exports.csv_streaming_response(rows(), filename=_filename("stock-ledger"))


@require_GET
@login_required
def purchase_order_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The purchase orders as filtered, one line per order with its totals."""
    if not permissions.can_view_purchase_orders(request.user):
        raise PermissionDenied
    filterset = PurchaseOrderFilterSet(request.GET, queryset=selectors.purchase_order_list())
    orders: QuerySet[PurchaseOrder] = filterset.qs if filterset.is_valid() else PurchaseOrder.objects.none()

    def rows() -> Iterator[list[object]]:
        yield [
            "number",
            "status",
            "vendor",
            "ship_to",
            "created_at",
            "sent_at",
            "expected_on",
            "lines",
            "units_ordered",
            "units_received",
            "total_cost",
        ]
        for order in orders.prefetch_related(None).iterator(chunk_size=CHUNK):
            yield [
                order.number,
                order.get_status_display(),
                order.vendor.name,
                str(order.ship_to),
                _iso(order.created_at),
                _iso(order.sent_at),
                _iso(order.expected_on),
                order.line_count,  # type: ignore[attr-defined]
                order.units_ordered,  # type: ignore[attr-defined]
                order.units_received,  # type: ignore[attr-defined]
                _money(order.total_cost),  # type: ignore[attr-defined]
            ]

    return exports.csv_streaming_response(rows(), filename=_filename("purchase-orders"))
