"""Tickets, parts, stock and purchase orders with valid defaults; override only what a test is about."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from repairs.choices import (
    PartCategory,
    PurchaseOrderStatus,
    StockLocationKind,
    StockMovementKind,
    Symptom,
    TicketEventKind,
    TicketStatus,
)
from repairs.models import (
    Part,
    PurchaseOrder,
    PurchaseOrderLine,
    StockLevel,
    StockLocation,
    StockMovement,
    Ticket,
    TicketEvent,
    Vendor,
)
from tests.accounts.factories import UserFactory
from tests.fleet.factories import DeviceFactory


class TicketFactory(DjangoModelFactory[Ticket]):
    """A new ticket reported at the device's own location."""

    class Meta:
        model = Ticket

    device = factory.SubFactory(DeviceFactory)
    location = factory.SelfAttribute("device.location")
    reporter = factory.SubFactory(UserFactory)
    opened_at = factory.LazyFunction(timezone.now)
    symptom = Symptom.SCREEN
    status = TicketStatus.NEW
    problem_summary = "Cracked screen"


class TicketEventFactory(DjangoModelFactory[TicketEvent]):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(TicketFactory)
    kind = TicketEventKind.OPENED
    actor = factory.SelfAttribute("ticket.reporter")
    occurred_at = factory.LazyFunction(timezone.now)
    to_status = TicketStatus.NEW


class VendorFactory(DjangoModelFactory[Vendor]):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    email = factory.Sequence(lambda n: f"orders{n}@vendor.example")


class PartFactory(DjangoModelFactory[Part]):
    """A demo part (``is_demo``): invented numbers are never to be ordered for real."""

    class Meta:
        model = Part

    part_number = factory.Sequence(lambda n: f"DEMO-{n:05d}")
    description = factory.Sequence(lambda n: f"Battery pack {n}")
    category = PartCategory.BATTERY
    unit_cost = Decimal("42.50")
    vendor = factory.SubFactory(VendorFactory)
    is_demo = True


class StockLocationFactory(DjangoModelFactory[StockLocation]):
    class Meta:
        model = StockLocation

    code = factory.Sequence(lambda n: f"DEPOT-{n}")
    name = factory.Sequence(lambda n: f"Depot {n}")
    kind = StockLocationKind.DEPOT


class StockLevelFactory(DjangoModelFactory[StockLevel]):
    class Meta:
        model = StockLevel

    part = factory.SubFactory(PartFactory)
    stock_location = factory.SubFactory(StockLocationFactory)
    on_hand = 5
    reorder_point = 2


class StockMovementFactory(DjangoModelFactory[StockMovement]):
    class Meta:
        model = StockMovement

    part = factory.SubFactory(PartFactory)
    stock_location = factory.SubFactory(StockLocationFactory)
    kind = StockMovementKind.RECEIVED
    quantity = 5
    actor = factory.SubFactory(UserFactory)
    occurred_at = factory.LazyFunction(timezone.now)


class PurchaseOrderFactory(DjangoModelFactory[PurchaseOrder]):
    class Meta:
        model = PurchaseOrder

    number = factory.Sequence(lambda n: f"PO-{n:06d}")
    vendor = factory.SubFactory(VendorFactory)
    status = PurchaseOrderStatus.DRAFT
    ship_to = factory.SubFactory(StockLocationFactory)
    created_by = factory.SubFactory(UserFactory)


class PurchaseOrderLineFactory(DjangoModelFactory[PurchaseOrderLine]):
    class Meta:
        model = PurchaseOrderLine

    order = factory.SubFactory(PurchaseOrderFactory)
    part = factory.SubFactory(PartFactory, vendor=factory.SelfAttribute("..order.vendor"))
    quantity_ordered = 10
    unit_cost = factory.SelfAttribute("part.unit_cost")
