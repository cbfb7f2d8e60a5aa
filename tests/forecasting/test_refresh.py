"""The device refresh plan: failure rates from history, the cohort projection, the budget rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from fleet.choices import CustodyEventKind, DeviceStatus, DeviceType
from fleet.models import Device, DeviceModel, Location
from forecasting.selectors import refresh
from repairs.choices import TicketStatus
from tests.fleet.factories import CustodyEventFactory, DeviceFactory, DeviceModelFactory, LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)  # school year 2025-26; history 2022-23 to 2024-25
SHARE_LEFT = 108 / 365  # 15 March to 30 June, of July 2025 to June 2026


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11, 0)))


def _ber(device: Device, day: dt.date, *, status: str = DeviceStatus.RETIRED) -> None:
    """``device`` retired beyond economical repair on ``day``, through its ticket."""
    ticket = TicketFactory.create(device=device, status=TicketStatus.BEYOND_REPAIR, opened_at=_at(day))
    CustodyEventFactory.create(
        device=device,
        kind=CustodyEventKind.STATUS_CHANGED,
        occurred_at=_at(day),
        from_status=DeviceStatus.IN_REPAIR,
        to_status=DeviceStatus.RETIRED,
        ticket=ticket,
        reason="Beyond economical repair",
    )
    if status == DeviceStatus.E_WASTE:
        CustodyEventFactory.create(
            device=device,
            kind=CustodyEventKind.STATUS_CHANGED,
            occurred_at=_at(day + dt.timedelta(days=40)),
            from_status=DeviceStatus.RETIRED,
            to_status=DeviceStatus.E_WASTE,
        )
    device.status = status
    device.save(update_fields=["status"])


def _planned_retirement(device: Device, day: dt.date) -> None:
    CustodyEventFactory.create(
        device=device,
        kind=CustodyEventKind.STATUS_CHANGED,
        occurred_at=_at(day),
        from_status=DeviceStatus.DEPLOYED,
        to_status=DeviceStatus.RETIRED,
        reason="Retired from service",
    )
    device.status = DeviceStatus.RETIRED
    device.save(update_fields=["status"])


def _devices(model: DeviceModel, n: int, school: Location, **fields: object) -> list[Device]:
    return [DeviceFactory.create(model=model, location=school, **fields) for _ in range(n)]


@pytest.fixture
def fleet() -> dict[str, DeviceModel | Location]:
    """Two Chromebook models with hand-counted histories (see each block for the arithmetic)."""
    school = LocationFactory.create(name="Maple Elementary")
    # A: 14 devices bought in 2021. BER in Oct 2022 (then e-waste) and Feb 2025; one planned
    # retirement in Sep 2023 (no ticket: not a failure). In service on 1 July 2022..2025:
    # 14, 13, 12, 11: 37.5 device-years, rate 2 / 37.5. Active: 11, of which 2 reach AUE in
    # December 2025, 1 was already past AUE in October 2024 (overdue), 8 reach the model's
    # AUE in June 2027 (school year 2026-27).
    model_a = DeviceModelFactory.create(
        name="Chromebook A", aue_month=dt.date(2027, 6, 1), unit_price=Decimal("300.00")
    )
    bought = {"purchase_date": dt.date(2021, 8, 1)}
    a = _devices(model_a, 11, school, **bought)
    _ber(a[0], dt.date(2022, 10, 10), status=DeviceStatus.E_WASTE)
    _ber(a[1], dt.date(2025, 2, 3))
    _planned_retirement(a[2], dt.date(2023, 9, 5))
    _devices(model_a, 2, school, aue_override=dt.date(2025, 12, 15), **bought)
    _devices(model_a, 1, school, aue_override=dt.date(2024, 10, 1), **bought)
    # B: 22 devices bought in January 2022, AUE 2031 (beyond the plan). BER in Nov 2022, Dec 2023,
    # Mar 2024, May 2025 (history) and Jan 2026 (this year: not history); one BER'd in Apr 2024
    # but back in service (not a failure, still in service). In service on the boundaries:
    # 22, 21, 19, 18: 60 device-years, rate 4 / 60 = 1/15. Active: 17, none reaching AUE.
    model_b = DeviceModelFactory.create(
        name="Chromebook B", aue_month=dt.date(2031, 6, 1), unit_price=Decimal("250.00")
    )
    b = _devices(model_b, 22, school, purchase_date=dt.date(2022, 1, 15))
    for device, day in zip(
        b,
        [
            dt.date(2022, 11, 1),
            dt.date(2023, 12, 1),
            dt.date(2024, 3, 1),
            dt.date(2025, 5, 1),
            dt.date(2026, 1, 5),
        ],
        strict=False,
    ):
        _ber(device, day)
    _ber(b[5], dt.date(2024, 4, 2), status=DeviceStatus.DEPLOYED)
    return {"a": model_a, "b": model_b, "school": school}


# Rates ------------------------------------------------------------------------------------------


def test_annual_failure_rate_is_failures_over_device_years():
    # (10 + 8) / 2 + (8 + 6) / 2 = 16 device-years
    assert refresh.annual_failure_rate(failures=4, in_service_by_boundary=[10, 8, 6]) == 0.25


def test_annual_failure_rate_without_devices_is_zero():
    assert refresh.annual_failure_rate(failures=0, in_service_by_boundary=[0, 0, 0, 0]) == 0.0


def test_share_of_school_year_left_counts_today_to_june():
    assert refresh.share_of_school_year_left(TODAY) == pytest.approx(SHARE_LEFT)
    assert refresh.share_of_school_year_left(dt.date(2025, 7, 1)) == 1.0


def test_refresh_plan_rates_count_ber_retirements_over_device_years(
    procurement: User, fleet: dict[str, DeviceModel], refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    plan = refresh.refresh_plan(user=procurement, years=3)

    assert plan.history_labels == ["2022-23", "2023-24", "2024-25"]
    a, b = plan.histories
    assert (a.model_name, a.failures_by_year, a.in_service_by_boundary) == (
        "Chromebook A",
        [1, 0, 1],
        [14, 13, 12, 11],
    )
    assert a.rate == pytest.approx(2 / 37.5)
    assert a.average_in_service == pytest.approx(12.5)
    assert (b.model_name, b.failures_by_year, b.in_service_by_boundary) == (
        "Chromebook B",
        [1, 2, 1],
        [22, 21, 19, 18],
    )
    assert b.rate == pytest.approx(1 / 15)
    assert b.rate_percent == "6.7%"


# Projection -------------------------------------------------------------------------------------


def test_project_replaces_each_cohort_once_and_shrinks_the_base():
    # 100 active: 4 overdue and 6 reaching AUE this year (10), 20 next year, 5 in 2030 (beyond
    # the plan, so with the 65 others: 70 never reaching AUE here). Rate 10%, half a year left.
    result = refresh.project(
        first_year=2025,
        years=3,
        first_year_share=0.5,
        rates={1: 0.1},
        active={1: 100},
        reaching_aue={1: {2024: 4, 2025: 6, 2026: 20, 2030: 5}},
    )

    this_year, next_year, last_year = result[(2025, 1)], result[(2026, 1)], result[(2027, 1)]
    # This year: the 10 due are replaced for AUE and not exposed; 5% of the other 90 fail.
    assert (this_year.reaching_aue, this_year.aue_replacements) == (10, 10.0)
    assert this_year.failures == pytest.approx(0.05 * 90)
    # Next year: the 19 of the 20 still in service are replaced for AUE; 10% of 66.5 fail.
    assert (next_year.reaching_aue, next_year.aue_replacements) == (20, pytest.approx(19.0))
    assert next_year.failures == pytest.approx(6.65)
    assert (last_year.reaching_aue, last_year.aue_replacements) == (0, 0.0)
    assert last_year.failures == pytest.approx(5.985)
    replaced = sum(p.aue_replacements + p.failures for p in result.values())
    # No device is counted twice: what is replaced plus what survives is the fleet.
    assert replaced + 70 * 0.95 * 0.9 * 0.9 == pytest.approx(100)


def test_project_without_failure_history_replaces_only_for_aue():
    result = refresh.project(
        first_year=2025, years=2, first_year_share=1.0, rates={}, active={7: 30}, reaching_aue={7: {2026: 12}}
    )

    assert list(result) == [(2026, 7)]
    assert result[(2026, 7)] == refresh.Projection(reaching_aue=12, aue_replacements=12.0, failures=0.0)


def test_project_with_certain_failure_never_counts_below_zero():
    result = refresh.project(
        first_year=2025,
        years=3,
        first_year_share=1.0,
        rates={1: 2.5},
        active={1: 10},
        reaching_aue={1: {2026: 4}},
    )

    assert result[(2025, 1)].failures == 10.0
    assert (2026, 1) in result and result[(2026, 1)].aue_replacements == 0.0
    assert (2027, 1) not in result


def test_whole_rounds_half_up():
    assert [refresh.whole(x) for x in (0.49, 0.5, 2.4999999999, 7.862)] == [0, 1, 3, 8]


def test_refresh_plan_combines_aue_and_failures_per_year_and_model(
    procurement: User, fleet: dict[str, DeviceModel], refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    plan = refresh.refresh_plan(user=procurement, years=3)

    assert plan.first_year_share == pytest.approx(SHARE_LEFT)
    lines = [
        (
            line.school_year_label,
            line.model_name,
            line.reaching_aue,
            line.aue_replacements,
            line.failures,
            line.cost,
        )
        for line in plan.lines
    ]
    # A this year: 8 x 4/75 x 108/365 = 0.13 failures, so 0; next year 7.87 of 8 reach AUE: 8.
    # B: 17 x 1/15 x 108/365 = 0.34 (0), then 16.66 / 15 = 1.11 (1), then 15.55 / 15 = 1.04 (1).
    assert lines == [
        ("2025-26", "Chromebook A", 3, 3, 0, Decimal("900.00")),
        ("2026-27", "Chromebook A", 8, 8, 0, Decimal("2400.00")),
        ("2026-27", "Chromebook B", 0, 0, 1, Decimal("250.00")),
        ("2027-28", "Chromebook B", 0, 0, 1, Decimal("250.00")),
    ]
    assert [(year.label, year.devices, year.cost) for year in plan.years] == [
        ("2025-26", 3, Decimal("900.00")),
        ("2026-27", 9, Decimal("2650.00")),
        ("2027-28", 1, Decimal("250.00")),
    ]
    assert (plan.aue_replacements, plan.failures, plan.devices, plan.cost) == (11, 2, 13, Decimal("3800.00"))
    assert all(year.fits is None and year.deferred == 0 for year in plan.years)


def test_refresh_plan_windows_laptops_are_replaced_for_failures_only(
    procurement: User, refresh_summaries: Callable[[], None]
):
    school = LocationFactory.create()
    laptop = DeviceModelFactory.create(
        name="Latitude", device_type=DeviceType.WINDOWS_LAPTOP, aue_month=None, unit_price=Decimal("1000.00")
    )
    devices = _devices(laptop, 11, school, purchase_date=dt.date(2020, 9, 1))
    _ber(devices[0], dt.date(2024, 1, 10))  # in service 11, 11, 10, 10: 31.5 device-years

    refresh_summaries()
    plan = refresh.refresh_plan(user=procurement, years=2)

    # 10 x 1/31.5 x 108/365 = 0.09 this year; 9.91 / 31.5 = 0.31 next year: 0.41, nothing yet.
    assert plan.histories[0].rate == pytest.approx(1 / 31.5)
    assert plan.lines == []
    plan = refresh.refresh_plan(user=procurement, years=6)
    # The running total passes 0.5 in 2027-28 (0.71) and 1.5 in 2030-31 (1.57): whole devices
    # appear as the fractions add up, rather than each year rounding to nothing.
    assert [(line.school_year, line.failures, line.aue_replacements) for line in plan.lines] == [
        (2027, 1, 0),
        (2030, 1, 0),
    ]


def test_refresh_plan_for_one_school_uses_its_devices_and_the_district_rate(
    procurement: User, fleet: dict[str, DeviceModel], refresh_summaries: Callable[[], None]
):
    other = LocationFactory.create(name="Oak Middle")
    _devices(fleet["b"], 30, other, purchase_date=dt.date(2025, 8, 1))  # bought after the history

    refresh_summaries()
    plan = refresh.refresh_plan(user=procurement, years=3, location_id=other.pk)

    assert plan.histories[1].rate == pytest.approx(1 / 15)
    # 30 x 1/15 x 108/365 = 0.59; 29.41 / 15 = 1.96; 27.45 / 15 = 1.83. Running totals 0.59,
    # 2.55, 4.38 round to 1, 3, 4: one, two, then one more device.
    assert [(line.school_year, line.model_name, line.failures) for line in plan.lines] == [
        (2025, "Chromebook B", 1),
        (2026, "Chromebook B", 2),
        (2027, "Chromebook B", 1),
    ]


# Budget -----------------------------------------------------------------------------------------


def _year(budget: str) -> refresh.RefreshYear:
    def line(name: str, aue: dt.date | None, price: str, aue_n: int, failures: int) -> refresh.RefreshLine:
        return refresh.RefreshLine(
            school_year=2026,
            model_id=len(name),
            model_name=name,
            unit_price=Decimal(price),
            aue_month=aue,
            reaching_aue=aue_n,
            aue_replacements=aue_n,
            failures=failures,
        )

    return refresh.RefreshYear(
        school_year=2026,
        budget=Decimal(budget),
        lines=[
            line("Latitude", None, "1000.00", 0, 2),
            line("Chromebook X", dt.date(2029, 6, 1), "400.00", 3, 1),
            line("Chromebook Y", dt.date(2027, 6, 1), "300.00", 5, 2),
        ],
    )


def test_defer_to_budget_within_budget_defers_nothing():
    year = _year("5700.00")
    refresh.defer_to_budget(year)

    assert (year.cost, year.fits, year.deferred, year.over_budget) == (Decimal("5700.00"), True, 0, 0)


def test_defer_to_budget_defers_latest_aue_replacements_first():
    year = _year("3000.00")
    refresh.defer_to_budget(year)

    # $2,700 over: all 3 of X (AUE 2029, $1,200), then 5 of Y (AUE 2027, $1,500); failures kept.
    assert (year.fits, year.over_budget, year.deferred) == (False, Decimal("2700.00"), 8)
    assert [line.deferred for line in year.lines] == [0, 3, 5]
    assert year.funded_cost == Decimal("3000.00")


def test_defer_to_budget_defers_failures_only_after_every_aue_replacement():
    year = _year("500.00")
    refresh.defer_to_budget(year)

    # $5,200 over: AUE X 3 and Y 5 ($2,700), then failures: Latitude 2 ($2,000), X 1, Y 1.
    assert year.deferred == 12
    assert [line.deferred for line in year.lines] == [2, 4, 6]
    assert year.funded_cost == Decimal("300.00")


def test_refresh_plan_with_budget_reports_each_year(
    procurement: User, fleet: dict[str, DeviceModel], refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    plan = refresh.refresh_plan(user=procurement, years=3, budget=Decimal("1000.00"))

    assert [(year.label, year.fits, year.over_budget, year.deferred) for year in plan.years] == [
        ("2025-26", True, 0, 0),
        # $1,650 over: ceil(1650 / 300) = 6 of the 8 A reaching AUE; B's failure is kept.
        ("2026-27", False, Decimal("1650.00"), 6),
        ("2027-28", True, 0, 0),
    ]


def test_csv_rows_list_models_then_the_year_total(
    procurement: User, fleet: dict[str, DeviceModel], refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    plan = refresh.refresh_plan(user=procurement, years=2, budget=Decimal("1000.00"))

    rows = [[str(value) for value in row] for row in refresh.csv_rows(plan)]

    assert rows[0][:3] == ["school_year", "model", "annual_failure_rate"]
    assert rows[1:] == [
        ["2025-26", "Chromebook A", "0.0533", "3", "3", "0", "3", "300.00", "900.00", "", "", "0"],
        ["2025-26", "All models", "", "3", "3", "0", "3", "", "900.00", "1000.00", "yes", "0"],
        ["2026-27", "Chromebook A", "0.0533", "8", "8", "0", "8", "300.00", "2400.00", "", "", "6"],
        ["2026-27", "Chromebook B", "0.0667", "0", "0", "1", "1", "250.00", "250.00", "", "", "0"],
        ["2026-27", "All models", "", "8", "8", "1", "9", "", "2650.00", "1000.00", "no", "6"],
    ]
