"""The forecasting CSV exports (refresh plan, suggested orders) neutralise spreadsheet formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forecasting.choices import ForecastRunStatus
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory
from tests.forecasting.factories import ForecastRunFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, VendorFactory

pytestmark = pytest.mark.django_db

ATTACK = "=CMD|' /C CALC'!A0"


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


def _rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[union-attr]
    return list(csv.DictReader(io.StringIO(body.decode(), newline="")))


def test_refresh_plan_export_quotes_model_names(
    procurement: User, login: Callable[[User], Client], refresh_summaries: Callable[[], None]
):
    model = DeviceModelFactory.create(
        name=ATTACK, aue_month=dt.date(2031, 6, 1), unit_price=Decimal("200.00")
    )
    school = LocationFactory.create(name="@School")
    for _ in range(2):
        DeviceFactory.create(model=model, location=school, aue_override=dt.date(2026, 12, 1))

    refresh_summaries()
    response = login(procurement).get(reverse("forecasting:refresh_plan"), {"years": "2", "format": "csv"})

    lines = [row for row in _rows(response) if row["model"] != "All models"]
    assert [(row["school_year"], row["model"], row["reaching_aue"]) for row in lines] == [
        ("2026-27", "'=CMD|' /C CALC'!A0", "2")
    ]


def test_suggestion_export_quotes_vendor_part_and_location_text(
    procurement: User, login: Callable[[User], Client]
):
    run = ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED, finished_at=timezone.now())
    part = PartFactory.create(
        part_number="+5D10",
        description="\r=1+1",
        vendor=VendorFactory.create(name=ATTACK),
        unit_cost=Decimal("48.00"),
        is_demo=False,
    )
    depot = StockLocationFactory.create(name="\tDepot")
    ReorderSuggestionFactory.create(run=run, part=part, stock_location=depot, suggested_quantity=3)

    response = login(procurement).get(reverse("forecasting:suggestion_list"), {"format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="suggested-orders-2026-03-15.csv"'
    [row] = _rows(response)
    assert list(row.values())[:5] == ["'=CMD|' /C CALC'!A0", "'+5D10", "'\r=1+1", "'\tDepot", "3"]
