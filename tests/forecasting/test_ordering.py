"""Draft purchase orders from reorder suggestions: grouping, costs, and all-or-nothing refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from forecasting.choices import ForecastRunStatus
from forecasting.models import ForecastRun, ReorderSuggestion
from forecasting.services import ordering
from repairs.choices import PurchaseOrderStatus
from repairs.models import Part, PurchaseOrder, PurchaseOrderLine
from tests.forecasting.factories import ForecastRunFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _run() -> ForecastRun:
    return ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED, finished_at=timezone.now())


def _part(number: str, *, cost: str = "10.00", **kwargs: object) -> Part:
    return PartFactory.create(part_number=number, is_demo=False, unit_cost=Decimal(cost), **kwargs)


def test_orders_group_by_vendor_and_ship_to_at_catalogue_cost(procurement: User):
    run = _run()
    acme, zenith = VendorFactory.create(name="Acme Parts"), VendorFactory.create(name="Zenith Supply")
    depot, north = (
        StockLocationFactory.create(name="Central depot"),
        StockLocationFactory.create(name="North hub"),
    )
    screen = _part("5D10M42862", cost="48.00", vendor=acme)
    keyboard = _part("5CB0Q81384", cost="31.50", vendor=acme)
    charger = _part("01FR030", cost="19.99", vendor=zenith)
    a = ReorderSuggestionFactory.create(run=run, part=screen, stock_location=depot, suggested_quantity=4)
    b = ReorderSuggestionFactory.create(run=run, part=keyboard, stock_location=depot, suggested_quantity=2)
    c = ReorderSuggestionFactory.create(run=run, part=screen, stock_location=north, suggested_quantity=1)
    d = ReorderSuggestionFactory.create(
        run=run, part=charger, stock_location=depot, suggested_quantity=10, unit_cost=Decimal("15.00")
    )

    orders = ordering.purchase_orders_from_suggestions(
        actor=procurement, suggestion_ids=[d.pk, c.pk, b.pk, a.pk]
    )

    assert [(o.vendor.name, o.ship_to.name) for o in orders] == [
        ("Acme Parts", "Central depot"),
        ("Acme Parts", "North hub"),
        ("Zenith Supply", "Central depot"),
    ]
    lines = {
        (line.order_id, line.part.part_number): (line.quantity_ordered, line.unit_cost)
        for line in PurchaseOrderLine.objects.select_related("part")
    }
    assert lines == {
        (orders[0].pk, "5D10M42862"): (4, Decimal("48.00")),
        (orders[0].pk, "5CB0Q81384"): (2, Decimal("31.50")),
        (orders[1].pk, "5D10M42862"): (1, Decimal("48.00")),
        # The catalogue price of today, not the price the run saw.
        (orders[2].pk, "01FR030"): (10, Decimal("19.99")),
    }
    assert all(o.status == PurchaseOrderStatus.DRAFT and o.created_by == procurement for o in orders)
    assert dict(ReorderSuggestion.objects.values_list("pk", "purchase_order_id")) == {
        a.pk: orders[0].pk,
        b.pk: orders[0].pk,
        c.pk: orders[1].pk,
        d.pk: orders[2].pk,
    }


def test_orders_with_a_demo_part_create_nothing_and_name_it(procurement: User):
    run = _run()
    real = ReorderSuggestionFactory.create(run=run, part=_part("5D10M42862"))
    demo = ReorderSuggestionFactory.create(run=run, part=PartFactory.create(part_number="DEMO-00042"))

    with pytest.raises(DomainError, match="DEMO-00042: demo part numbers"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[real.pk, demo.pk])

    assert not PurchaseOrder.objects.exists()
    assert not ReorderSuggestion.objects.filter(purchase_order__isnull=False).exists()


def test_orders_refuse_a_suggestion_already_ordered(procurement: User):
    run = _run()
    first = ReorderSuggestionFactory.create(run=run, part=_part("5D10M42862"))
    ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[first.pk])
    other = ReorderSuggestionFactory.create(run=run, part=_part("01FR030"))

    with pytest.raises(ConflictError, match="5D10M42862: already on a purchase order"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[first.pk, other.pk])

    assert PurchaseOrder.objects.count() == 1
    assert ReorderSuggestion.objects.get(pk=other.pk).purchase_order is None


def test_orders_refuse_suggestions_of_an_older_run(procurement: User):
    old = ForecastRunFactory.create(
        status=ForecastRunStatus.SUCCEEDED, finished_at=timezone.now() - dt.timedelta(days=1)
    )
    stale = ReorderSuggestionFactory.create(run=old, part=_part("5D10M42862"))
    _run()

    with pytest.raises(ConflictError, match="older forecast run"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[stale.pk])

    assert not PurchaseOrder.objects.exists()


def test_orders_refuse_a_part_without_vendor(procurement: User):
    suggestion = ReorderSuggestionFactory.create(run=_run(), part=_part("5D10M42862", vendor=None))

    with pytest.raises(DomainError, match="5D10M42862: no vendor"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[suggestion.pk])

    assert not PurchaseOrder.objects.exists()


def test_orders_refuse_ids_that_do_not_exist(procurement: User):
    suggestion = ReorderSuggestionFactory.create(run=_run(), part=_part("5D10M42862"))

    with pytest.raises(ConflictError, match="no longer exist"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[suggestion.pk, 999_999])

    assert not PurchaseOrder.objects.exists()


def test_orders_need_at_least_one_line(procurement: User):
    with pytest.raises(DomainError, match="at least one"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[])


def test_orders_by_supervisor_are_denied(supervisor: User):
    suggestion = ReorderSuggestionFactory.create(run=_run(), part=_part("5D10M42862"))

    with pytest.raises(PermissionDenied):
        ordering.purchase_orders_from_suggestions(actor=supervisor, suggestion_ids=[suggestion.pk])

    assert not PurchaseOrder.objects.exists()


def test_orders_for_one_vendor_leave_the_other_vendors_lines(procurement: User):
    run = _run()
    acme, zenith = VendorFactory.create(name="Acme Parts"), VendorFactory.create(name="Zenith Supply")
    mine = ReorderSuggestionFactory.create(
        run=run, part=_part("5D10M42862", vendor=acme), suggested_quantity=3
    )
    other = ReorderSuggestionFactory.create(
        run=run, part=_part("01FR030", vendor=zenith), suggested_quantity=5
    )

    orders = ordering.purchase_orders_from_suggestions(
        actor=procurement, suggestion_ids=[mine.pk, other.pk], vendor=acme
    )

    assert [o.vendor.name for o in orders] == ["Acme Parts"]
    other.refresh_from_db()
    assert other.purchase_order_id is None
    with pytest.raises(DomainError, match="for Zenith Supply"):
        ordering.purchase_orders_from_suggestions(actor=procurement, suggestion_ids=[mine.pk], vendor=zenith)
