"""Weekly net consumption, warranty share, location use, exposure and the school calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest

from fleet.choices import DeviceStatus, DeviceType
from forecasting.selectors import demand
from repairs.choices import Coverage, StockLocationKind, StockMovementKind
from repairs.models import Part, StockLocation
from tests.fleet.factories import DeviceFactory, DeviceModelFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, StockMovementFactory, TicketFactory

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")
HISTORY_END = dt.date(2026, 3, 2)  # a Monday; weeks start Feb 2, 9, 16 and 23


def at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=NY)


def move(
    part: Part, where: StockLocation, kind: str, quantity: int, when: dt.datetime, **extra: object
) -> None:
    StockMovementFactory.create(
        part=part, stock_location=where, kind=kind, quantity=quantity, occurred_at=when, **extra
    )


@pytest.fixture
def ledger() -> dict[str, object]:
    part = PartFactory.create()
    depot = StockLocationFactory.create(kind=StockLocationKind.DEPOT)
    school = StockLocationFactory.create(kind=StockLocationKind.SCHOOL)
    ticket = TicketFactory.create()
    warranty_ticket = TicketFactory.create(coverage=Coverage.WARRANTY)
    issued, returned = StockMovementKind.ISSUED, StockMovementKind.RETURNED
    # Sunday 23:30 in New York is Monday in UTC: still the first week.
    move(part, depot, issued, -2, at("2026-02-08", "23:30"), ticket=ticket)
    move(part, depot, issued, -1, at("2026-02-09", "00:30"), ticket=ticket)
    move(part, depot, returned, 1, at("2026-02-10"), ticket=ticket)
    move(part, depot, issued, -1, at("2026-02-17"), ticket=ticket)
    move(part, depot, returned, 2, at("2026-02-18"), ticket=ticket)  # net -1 that week: no use
    move(part, school, issued, -3, at("2026-02-24"), ticket=warranty_ticket)
    move(part, depot, StockMovementKind.RECEIVED, 10, at("2026-02-03"))
    move(part, depot, StockMovementKind.TRANSFER_OUT, -2, at("2026-02-04"))
    move(part, depot, issued, -5, at("2026-03-02", "00:00:30"), ticket=ticket)  # the run's own week
    move(part, depot, issued, -4, at("2026-02-01", "23:59"), ticket=ticket)  # before the window
    return {"part": part, "depot": depot, "school": school}


def test_demand_matrix_counts_issued_minus_returned_per_local_week(ledger: dict):
    data = demand.demand_load(part_ids=[ledger["part"].pk], history_end=HISTORY_END, weeks=4, horizon=2)

    assert data.history_start == dt.date(2026, 2, 2)
    np.testing.assert_array_equal(data.history, [[2.0, 0.0, 0.0, 3.0]])


def test_demand_warranty_share_is_the_share_of_issued_units_on_warranty_tickets(ledger: dict):
    data = demand.demand_load(part_ids=[ledger["part"].pk], history_end=HISTORY_END, weeks=4, horizon=2)

    # Issued in the window: 2 + 1 + 1 + 3 units, 3 of them to a warranty ticket.
    assert data.warranty_share[0] == pytest.approx(3 / 7)


def test_demand_location_consumption_covers_the_last_52_weeks(ledger: dict):
    data = demand.demand_load(part_ids=[ledger["part"].pk], history_end=HISTORY_END, weeks=4, horizon=2)

    # Depot: issued 4 + 2 + 1 + 1, returned 1 + 2; the school: 3. The run's own week is left out.
    assert data.location_consumption == {
        ledger["part"].pk: {ledger["depot"].pk: 5.0, ledger["school"].pk: 3.0}
    }


def test_demand_rows_follow_the_part_ids_and_a_part_without_use_is_zero(ledger: dict):
    idle = PartFactory.create()

    data = demand.demand_load(
        part_ids=[idle.pk, ledger["part"].pk], history_end=HISTORY_END, weeks=4, horizon=1
    )

    assert [p.pk for p in data.parts] == sorted([idle.pk, ledger["part"].pk])
    row = [p.pk for p in data.parts].index(idle.pk)
    np.testing.assert_array_equal(data.history[row], [0, 0, 0, 0])
    np.testing.assert_array_equal(data.exposure[row], [1, 1, 1, 1, 1])  # no compatible devices
    assert data.warranty_share[row] == 0


def test_exposure_counts_active_compatible_devices_until_their_aue_date():
    chromebook = DeviceModelFactory.create(aue_month=dt.date(2030, 6, 1))
    windows = DeviceModelFactory.create(device_type=DeviceType.WINDOWS_LAPTOP, aue_month=None)
    part = PartFactory.create()
    part.compatible_models.set([chromebook, windows])
    DeviceFactory.create_batch(2, model=chromebook, purchase_date=dt.date(2026, 2, 10))  # from week 1
    DeviceFactory.create(model=chromebook, purchase_date=None, aue_override=dt.date(2026, 2, 17))  # to week 2
    DeviceFactory.create(model=chromebook, purchase_date=dt.date(2020, 1, 1), status=DeviceStatus.RETIRED)
    DeviceFactory.create(model=windows, purchase_date=dt.date(2020, 1, 1))  # never reaches AUE
    DeviceFactory.create(purchase_date=dt.date(2020, 1, 1))  # another model: does not fit

    data = demand.demand_load(part_ids=[part.pk], history_end=HISTORY_END, weeks=4, horizon=2)

    np.testing.assert_array_equal(data.exposure, [[2, 4, 4, 3, 3, 3]])


def test_weeks_before_the_first_compatible_device_are_no_data():
    model = DeviceModelFactory.create()
    part = PartFactory.create()
    part.compatible_models.set([model])
    DeviceFactory.create(model=model, purchase_date=dt.date(2026, 2, 18))

    data = demand.demand_load(part_ids=[part.pk], history_end=HISTORY_END, weeks=4, horizon=1)

    np.testing.assert_array_equal(data.history, [[np.nan, np.nan, 0, 0]])
    np.testing.assert_array_equal(data.exposure, [[0, 0, 1, 1, 1]])


def test_calendar_covariate_is_the_share_of_school_days_over_history_and_horizon():
    data = demand.demand_load(part_ids=[], history_end=HISTORY_END, weeks=4, horizon=2)

    assert data.covariates.shape == (6, 1)
    np.testing.assert_array_equal(data.covariates[:, 0], [1, 1, 1, 1, 1, 1])


@pytest.mark.parametrize(
    ("monday", "share"),
    [
        ("2025-07-14", 0.0),  # summer
        ("2025-08-11", 0.2),  # school starts Friday Aug 15
        ("2025-10-13", 1.0),
        ("2025-12-15", 1.0),
        ("2025-12-22", 0.0),  # winter break
        ("2025-12-29", 0.2),  # break through Jan 1; Friday Jan 2 is a school day
        ("2026-06-15", 0.2),  # the school year's last day is Monday Jun 15
    ],
)
def test_school_day_share(monday: str, share: float):
    assert demand.school_day_share([dt.date.fromisoformat(monday)])[0] == pytest.approx(share)


def test_history_weeks_since_the_first_movement_is_capped():
    first = at("2026-02-04")

    assert demand.history_weeks_since(first, history_end=HISTORY_END, limit=260) == 4
    assert demand.history_weeks_since(first, history_end=HISTORY_END, limit=3) == 3
    assert demand.history_weeks_since(None, history_end=HISTORY_END, limit=260) == 1
