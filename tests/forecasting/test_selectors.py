"""Forecast reads: the latest run, its rows and suggestions, runs, and stock still on order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from forecasting.choices import ForecastRunStatus
from forecasting.models import ForecastRun
from forecasting.selectors import forecasts as selectors
from repairs.choices import PurchaseOrderStatus
from tests.fleet.factories import DeviceModelFactory
from tests.forecasting.factories import ForecastRunFactory, PartForecastFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, PurchaseOrderLineFactory, StockLocationFactory

pytestmark = pytest.mark.django_db


def succeeded(hours_ago: float) -> ForecastRun:
    return ForecastRunFactory.create(
        status=ForecastRunStatus.SUCCEEDED, finished_at=timezone.now() - dt.timedelta(hours=hours_ago)
    )


def test_latest_run_is_the_last_to_succeed():
    assert selectors.latest_run() is None
    succeeded(48)
    newest = succeeded(1)
    ForecastRunFactory.create(status=ForecastRunStatus.FAILED, finished_at=timezone.now())
    ForecastRunFactory.create(status=ForecastRunStatus.RUNNING)

    assert selectors.latest_run() == newest


def test_forecast_list_defaults_to_the_latest_run_without_failed_parts():
    old, new = succeeded(48), succeeded(1)
    PartForecastFactory.create(run=old)
    kept = PartForecastFactory.create(run=new)
    PartForecastFactory.create(run=new, error="ValueError", point=0)

    assert list(selectors.forecast_list()) == [kept]
    assert [row.run_id for row in selectors.forecast_list(run=old)] == [old.pk]


def test_forecast_list_orders_by_spend_part_or_point():
    run = succeeded(1)
    a = PartForecastFactory.create(
        run=run, part=PartFactory.create(part_number="A"), expected_spend=5, point=9
    )
    b = PartForecastFactory.create(
        run=run, part=PartFactory.create(part_number="B"), expected_spend=50, point=1
    )
    c = PartForecastFactory.create(
        run=run, part=PartFactory.create(part_number="C"), expected_spend=20, point=4
    )

    assert list(selectors.forecast_list()) == [b, c, a]
    assert list(selectors.forecast_list(filters={"ordering": "part"})) == [a, b, c]
    assert list(selectors.forecast_list(filters={"ordering": "point"})) == [a, c, b]


def test_forecast_list_model_filter_lists_a_part_once():
    run = succeeded(1)
    model = DeviceModelFactory.create()
    row = PartForecastFactory.create(run=run)
    row.part.compatible_models.set([model, DeviceModelFactory.create()])
    PartForecastFactory.create(run=run)

    assert list(selectors.forecast_list(filters={"model": str(model.pk)})) == [row]


def test_part_forecast_latest():
    old, new = succeeded(48), succeeded(1)
    part = PartFactory.create()
    PartForecastFactory.create(run=old, part=part)
    latest = PartForecastFactory.create(run=new, part=part)

    assert selectors.part_forecast_latest(part_id=part.pk) == latest
    assert selectors.part_forecast_latest(part_id=PartFactory.create().pk) is None


def test_suggestion_list_keeps_positive_quantities_of_the_latest_run():
    run = succeeded(1)
    wanted = ReorderSuggestionFactory.create(run=run)
    ReorderSuggestionFactory.create(run=run, suggested_quantity=0)
    ReorderSuggestionFactory.create(run=succeeded(30))

    assert list(selectors.suggestion_list()) == [wanted]


def test_suggestion_list_before_any_run_is_empty():
    ReorderSuggestionFactory.create(run=ForecastRunFactory.create(status=ForecastRunStatus.RUNNING))

    assert not selectors.suggestion_list().exists()
    assert not selectors.forecast_list().exists()


def test_run_list_and_get():
    first = ForecastRunFactory.create()
    second = ForecastRunFactory.create()

    assert list(selectors.run_list()) == [second, first]
    assert selectors.run_get(run_id=first.pk) == first
    with pytest.raises(Http404):
        selectors.run_get(run_id=999999)


def test_on_order_by_part_and_location_counts_open_orders_by_ship_to():
    part = PartFactory.create()
    depot, school = StockLocationFactory.create(), StockLocationFactory.create()
    PurchaseOrderLineFactory.create(
        part=part, order__ship_to=depot, order__status=PurchaseOrderStatus.SENT, quantity_ordered=10
    )
    PurchaseOrderLineFactory.create(
        part=part,
        order__ship_to=depot,
        order__status=PurchaseOrderStatus.PARTIALLY_RECEIVED,
        quantity_ordered=6,
        quantity_received=4,
    )
    PurchaseOrderLineFactory.create(
        part=part, order__ship_to=school, order__status=PurchaseOrderStatus.SENT, quantity_ordered=3
    )
    PurchaseOrderLineFactory.create(part=part, order__ship_to=school, order__status=PurchaseOrderStatus.DRAFT)
    PurchaseOrderLineFactory.create(
        part=part, order__ship_to=school, order__status=PurchaseOrderStatus.RECEIVED
    )
    other = PurchaseOrderLineFactory.create(order__ship_to=school, order__status=PurchaseOrderStatus.SENT)

    assert selectors.on_order_by_part_and_location(part_ids=[part.pk]) == {
        (part.pk, depot.pk): 12,
        (part.pk, school.pk): 3,
    }
    assert selectors.on_order_by_part_and_location()[(other.part_id, school.pk)] == 10
