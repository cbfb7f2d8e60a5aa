"""Purchase orders: create with lines, send, receive in part or in full, cancel, on order."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.exceptions import ConflictError, DomainError
from repairs import selectors
from repairs.choices import PurchaseOrderStatus, StockMovementKind
from repairs.models import Part, PurchaseOrder, StockLevel, StockMovement
from repairs.services import purchasing
from repairs.services.purchasing import LineInput, ReceiptInput
from tests.repairs.factories import (
    PartFactory,
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    StockLocationFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


_part_numbers = itertools.count(1)


def _real_part(**kwargs: object) -> Part:
    return PartFactory.create(part_number=f"5D10{next(_part_numbers):06d}", is_demo=False, **kwargs)


def _sent_order(quantity: int = 10) -> PurchaseOrder:
    order = PurchaseOrderFactory.create(status=PurchaseOrderStatus.SENT)
    PurchaseOrderLineFactory.create(order=order, quantity_ordered=quantity, part__is_demo=False)
    return order


def test_purchase_order_create_makes_numbered_draft_with_lines(procurement):
    vendor, depot = VendorFactory.create(), StockLocationFactory.create()
    screen, keyboard = _real_part(), _real_part()

    order = purchasing.purchase_order_create(
        actor=procurement,
        vendor=vendor,
        ship_to=depot,
        lines=[LineInput(screen, 5, Decimal("48.00")), LineInput(keyboard, 2, Decimal("31.50"))],
    )

    assert order.status == PurchaseOrderStatus.DRAFT
    assert order.number.startswith("PO") and order.number.endswith(f"{order.pk:06d}")
    assert list(order.lines.values_list("part", "quantity_ordered", "unit_cost")) == [
        (screen.pk, 5, Decimal("48.00")),
        (keyboard.pk, 2, Decimal("31.50")),
    ]


def test_purchase_order_create_refuses_demo_parts(procurement):
    demo = PartFactory.create(is_demo=True)

    with pytest.raises(DomainError, match="DEMO- part numbers are invented for the demo: never order them"):
        purchasing.purchase_order_create(
            actor=procurement,
            vendor=VendorFactory.create(),
            ship_to=StockLocationFactory.create(),
            lines=[LineInput(demo, 1, Decimal("1.00"))],
        )
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("empty", "at least one line"),
        ("twice", "twice"),
        ("zero", "at least 1"),
        ("inactive", "no longer active"),
    ],
)
def test_purchase_order_create_refuses_bad_lines(procurement, lines, message):
    part = _real_part(is_active=lines != "inactive")
    line = LineInput(part, 0 if lines == "zero" else 1, Decimal("1.00"))
    given = {"empty": [], "twice": [line, line]}.get(lines, [line])

    with pytest.raises(DomainError, match=message):
        purchasing.purchase_order_create(
            actor=procurement,
            vendor=VendorFactory.create(),
            ship_to=StockLocationFactory.create(),
            lines=given,
        )


@pytest.mark.parametrize("actor", ["technician", "supervisor", "school_admin"])
def test_purchase_order_services_deny_non_buyers(request, actor):
    user = request.getfixturevalue(actor)
    order = _sent_order()
    with pytest.raises(PermissionDenied):
        purchasing.purchase_order_create(
            actor=user,
            vendor=order.vendor,
            ship_to=order.ship_to,
            lines=[LineInput(_real_part(), 1, Decimal(1))],
        )
    with pytest.raises(PermissionDenied):
        purchasing.purchase_order_receive(
            order=order, receipts=[ReceiptInput(order.lines.get(), 1, Decimal(1))], actor=user
        )


def test_purchase_order_send_sets_status_and_time(procurement):
    order = PurchaseOrderFactory.create()

    order = purchasing.purchase_order_send(order=order, actor=procurement)

    assert order.status == PurchaseOrderStatus.SENT and order.sent_at is not None
    with pytest.raises(DomainError, match="only drafts"):
        purchasing.purchase_order_send(order=order, actor=procurement)


def test_purchase_order_receive_in_part_then_in_full(procurement):
    order = _sent_order(quantity=10)
    line = order.lines.get()

    order = purchasing.purchase_order_receive(
        order=order, receipts=[ReceiptInput(line, 4, Decimal("40.00"))], actor=procurement
    )
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert selectors.on_order_by_part() == {line.part_id: 6}
    order = purchasing.purchase_order_receive(
        order=order, receipts=[ReceiptInput(line, 6, Decimal("41.00"))], actor=procurement
    )

    assert order.status == PurchaseOrderStatus.RECEIVED
    line.refresh_from_db()
    assert line.quantity_received == 10
    receipts = StockMovement.objects.filter(purchase_order_line=line).order_by("pk")
    assert [(m.kind, m.quantity, m.unit_cost) for m in receipts] == [
        (StockMovementKind.RECEIVED, 4, Decimal("40.00")),
        (StockMovementKind.RECEIVED, 6, Decimal("41.00")),
    ]
    assert StockLevel.objects.get(part=line.part, stock_location=order.ship_to).on_hand == 10
    assert selectors.on_order_by_part() == {}
    assert not selectors.stock_ledger_mismatches().exists()


def test_purchase_order_receive_more_than_outstanding_changes_nothing(procurement):
    order = _sent_order(quantity=3)
    line = order.lines.get()

    with pytest.raises(ConflictError, match="only 3 of 3"):
        purchasing.purchase_order_receive(
            order=order, receipts=[ReceiptInput(line, 4, Decimal(1))], actor=procurement
        )

    line.refresh_from_db()
    assert line.quantity_received == 0 and not StockMovement.objects.exists()


def test_purchase_order_receive_line_of_other_order_raises(procurement):
    order, other = _sent_order(), _sent_order()

    with pytest.raises(DomainError, match="another order"):
        purchasing.purchase_order_receive(
            order=order, receipts=[ReceiptInput(other.lines.get(), 1, Decimal(1))], actor=procurement
        )


@pytest.mark.parametrize("status", [PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.CANCELLED])
def test_purchase_order_receive_when_not_sent_raises(procurement, status):
    order = PurchaseOrderFactory.create(status=status)
    line = PurchaseOrderLineFactory.create(order=order)

    with pytest.raises(DomainError, match="nothing to receive"):
        purchasing.purchase_order_receive(
            order=order, receipts=[ReceiptInput(line, 1, Decimal(1))], actor=procurement
        )


def test_purchase_order_cancel_draft_or_sent_only(procurement):
    order = _sent_order()
    assert (
        purchasing.purchase_order_cancel(order=order, actor=procurement).status
        == PurchaseOrderStatus.CANCELLED
    )

    received = _sent_order(quantity=2)
    purchasing.purchase_order_receive(
        order=received, receipts=[ReceiptInput(received.lines.get(), 1, Decimal(1))], actor=procurement
    )
    with pytest.raises(DomainError, match="cannot be cancelled"):
        purchasing.purchase_order_cancel(order=received, actor=procurement)


def test_on_order_by_part_counts_sent_and_partial_orders_only():
    sent = PurchaseOrderLineFactory.create(order__status=PurchaseOrderStatus.SENT, quantity_ordered=5)
    PurchaseOrderLineFactory.create(
        order__status=PurchaseOrderStatus.DRAFT, part=sent.part, quantity_ordered=7
    )
    PurchaseOrderLineFactory.create(order__status=PurchaseOrderStatus.CANCELLED, part=sent.part)
    partial = PurchaseOrderLineFactory.create(
        order__status=PurchaseOrderStatus.PARTIALLY_RECEIVED,
        part=sent.part,
        quantity_ordered=4,
        quantity_received=1,
    )

    assert selectors.on_order_by_part() == {partial.part_id: 8}
