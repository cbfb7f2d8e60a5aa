"""Purchase order services: create with lines, send, receive in full or in part, cancel.

A receipt books a RECEIVED stock movement per line (with its unit cost) and raises
``quantity_received``, which never exceeds what was ordered (a CheckConstraint backs this up).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from repairs import permissions
from repairs.choices import PurchaseOrderStatus
from repairs.models import Part, PurchaseOrder, PurchaseOrderLine, StockLocation, Vendor
from repairs.services import stock

RECEIVABLE_STATUSES = (PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED)


@dataclass(frozen=True)
class LineInput:
    part: Part
    quantity: int
    unit_cost: Decimal


@dataclass(frozen=True)
class ReceiptInput:
    line: PurchaseOrderLine
    quantity: int
    unit_cost: Decimal


def _require_buyer(actor: User) -> None:
    if not permissions.can_manage_purchase_orders(actor):
        raise PermissionDenied


@transaction.atomic
def purchase_order_create(
    *,
    actor: User,
    vendor: Vendor,
    ship_to: StockLocation,
    lines: Sequence[LineInput],
    expected_on: dt.date | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """A draft order with at least one line, each part once.

    Parts from any vendor may be ordered (a reseller can carry another maker's parts). Raises
    DomainError for demo (invented) or inactive parts, repeated parts and bad quantities or costs.
    """
    _require_buyer(actor)
    if not lines:
        raise DomainError("An order needs at least one line.", field="lines")
    seen: set[int] = set()
    for line in lines:
        if line.part.is_demo:
            raise DomainError(
                f"{line.part.part_number}: DEMO- part numbers are invented for the demo: never order them.",
                field="lines",
            )
        if not line.part.is_active:
            raise DomainError(f"{line.part.part_number} is no longer active.", field="lines")
        if line.part.pk in seen:
            raise DomainError(
                f"{line.part.part_number} is on the order twice: use one line per part.", field="lines"
            )
        if line.quantity < 1:
            raise DomainError(f"{line.part.part_number}: order at least 1.", field="lines")
        if line.unit_cost < 0:
            raise DomainError(f"{line.part.part_number}: the unit cost cannot be negative.", field="lines")
        seen.add(line.part.pk)
    # A unique placeholder until the primary key gives the order its number.
    order = PurchaseOrder(
        number=uuid.uuid4().hex[:30],
        vendor=vendor,
        ship_to=ship_to,
        created_by=actor,
        expected_on=expected_on,
        notes=notes,
    )
    order.save()
    order.number = f"PO{timezone.localdate():%Y}-{order.pk:06d}"
    order.save(update_fields=["number", "updated_at"])
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            order=order, part=line.part, quantity_ordered=line.quantity, unit_cost=line.unit_cost
        )
        for line in lines
    )
    return order


def _locked(order: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=order.pk)


@transaction.atomic
def purchase_order_send(*, order: PurchaseOrder, actor: User) -> PurchaseOrder:
    """Draft → sent. Raises DomainError for any other status."""
    _require_buyer(actor)
    order = _locked(order)
    if order.status != PurchaseOrderStatus.DRAFT:
        raise DomainError(f"{order.number} is {order.get_status_display().lower()}: only drafts are sent.")
    order.status, order.sent_at, order.version = PurchaseOrderStatus.SENT, timezone.now(), order.version + 1
    order.save(update_fields=["status", "sent_at", "version", "updated_at"])
    return order


@transaction.atomic
def purchase_order_receive(
    *, order: PurchaseOrder, receipts: Sequence[ReceiptInput], actor: User
) -> PurchaseOrder:
    """Receive some or all outstanding quantities into the order's ship-to location.

    Each receipt is a RECEIVED movement linked to its line with its unit cost. The order becomes
    partially received or received. Raises DomainError for an order that is not sent, a line of
    another order, a zero quantity or more than is outstanding.
    """
    _require_buyer(actor)
    order = _locked(order)
    if order.status not in RECEIVABLE_STATUSES:
        raise DomainError(f"{order.number} is {order.get_status_display().lower()}: nothing to receive.")
    if not receipts:
        raise DomainError("Enter a quantity received for at least one line.", field="lines")
    lines = {
        line.pk: line
        for line in PurchaseOrderLine.objects.select_for_update()
        .filter(order=order)
        .select_related("part")
        .order_by("pk")
    }
    for receipt in receipts:
        line = lines.get(receipt.line.pk)
        if line is None:
            raise DomainError("That line belongs to another order.", field="lines")
        outstanding = line.quantity_ordered - line.quantity_received
        if receipt.quantity < 1:
            raise DomainError(f"{line.part.part_number}: receive at least 1.", field="lines")
        if receipt.quantity > outstanding:
            raise ConflictError(
                f"{line.part.part_number}: only {outstanding} of {line.quantity_ordered} are still to come.",
                field="lines",
            )
        if receipt.unit_cost < 0:
            raise DomainError(f"{line.part.part_number}: the unit cost cannot be negative.", field="lines")
        line.quantity_received += receipt.quantity
        PurchaseOrderLine.objects.filter(pk=line.pk).update(
            quantity_received=F("quantity_received") + receipt.quantity
        )
        stock.stock_receive(
            part=line.part,
            stock_location=order.ship_to,
            quantity=receipt.quantity,
            actor=actor,
            unit_cost=receipt.unit_cost,
            purchase_order_line=line,
        )
    complete = all(line.quantity_received >= line.quantity_ordered for line in lines.values())
    order.status = PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
    order.version += 1
    order.save(update_fields=["status", "version", "updated_at"])
    return order


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, actor: User) -> PurchaseOrder:
    """Cancel a draft or sent order that has received nothing. Raises DomainError otherwise."""
    _require_buyer(actor)
    order = _locked(order)
    if order.status not in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SENT):
        raise DomainError(f"{order.number} is {order.get_status_display().lower()}: it cannot be cancelled.")
    order.status, order.version = PurchaseOrderStatus.CANCELLED, order.version + 1
    order.save(update_fields=["status", "version", "updated_at"])
    return order
