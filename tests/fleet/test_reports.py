"""Readiness per school and the AUE refresh plan, on a small district whose figures are known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from fleet.choices import DeviceStatus, DeviceType, LocationKind
from fleet.models import DeviceModel, Location
from fleet.selectors import reports
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory
from tests.fleet.readiness_support import readiness_district

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)


@pytest.fixture
def district() -> dict[str, Location | DeviceModel]:
    """Two schools, a depot, and three models: AUE June 2026, AUE February 2026, and Windows."""
    north, south = LocationFactory.create(name="North Elementary"), LocationFactory.create(name="South High")
    depot = LocationFactory.create(name="Depot", kind=LocationKind.DEPOT)
    june = DeviceModelFactory.create(name="C733", aue_month=dt.date(2026, 6, 1), unit_price=Decimal("250.00"))
    feb = DeviceModelFactory.create(name="C734", aue_month=dt.date(2026, 2, 1), unit_price=Decimal("300.00"))
    windows = DeviceModelFactory.create(
        name="Latitude", device_type=DeviceType.WINDOWS_LAPTOP, aue_month=None, unit_price=Decimal("900.00")
    )
    statuses = {
        DeviceStatus.DEPLOYED: 4,
        DeviceStatus.IN_STOCK: 1,
        DeviceStatus.LOANER_POOL: 1,
        DeviceStatus.LOANED_OUT: 1,
        DeviceStatus.IN_REPAIR: 1,
        DeviceStatus.AT_VENDOR: 1,
        DeviceStatus.RETIRED: 1,
        DeviceStatus.LOST_STOLEN: 1,
    }
    for status, n in statuses.items():
        DeviceFactory.create_batch(n, location=north, model=june, status=status)
    # North: two past AUE by model (one retired, which does not count), one by its own date.
    DeviceFactory.create(location=north, model=feb, status=DeviceStatus.DEPLOYED)
    DeviceFactory.create(location=north, model=feb, status=DeviceStatus.RETIRED)
    DeviceFactory.create(location=north, model=june, aue_override=dt.date(2026, 3, 14))
    # South: a Windows laptop and a Chromebook whose own AUE is later than its model's.
    DeviceFactory.create(location=south, model=windows, status=DeviceStatus.DEPLOYED)
    DeviceFactory.create(
        location=south, model=feb, aue_override=dt.date(2027, 8, 31), status=DeviceStatus.IN_STOCK
    )
    DeviceFactory.create(location=depot, model=june)
    return {"north": north, "south": south, "depot": depot, "june": june, "feb": feb}


def test_readiness_report_figures_per_school(
    technician: User, district: dict, refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    report = reports.readiness_report(user=technician, today=TODAY)

    rows = {row.name: row for row in report.rows}
    assert set(rows) == {"North Elementary", "South High"}  # the depot is not a school
    north = rows["North Elementary"]
    # Active: 4 deployed + 1 stock + 1 pool + 1 loaned + 1 repair + 1 vendor + feb deployed + override = 11.
    assert (north.active, north.deployed, north.in_service) == (11, 6, 8)
    assert north.share_in_service == pytest.approx(8 / 11)
    assert north.share_in_service_percent == "72.7%"
    assert (north.in_repair, north.past_aue, north.loaners_out) == (2, 2, 1)
    south = rows["South High"]
    assert (south.active, south.deployed, south.in_service, south.in_repair, south.past_aue) == (
        2,
        1,
        2,
        0,
        0,
    )
    assert report.total.active == 13
    assert report.total.past_aue == 2


def test_readiness_report_past_aue_turns_at_the_end_of_the_aue_month(
    technician: User, refresh_summaries: Callable[[], None]
):
    school = LocationFactory.create()
    DeviceFactory.create(location=school, model__aue_month=dt.date(2026, 2, 1))

    refresh_summaries()
    on_last_day = reports.readiness_report(user=technician, today=dt.date(2026, 2, 28)).rows[0]
    next_day = reports.readiness_report(user=technician, today=dt.date(2026, 3, 1)).rows[0]

    assert (on_last_day.past_aue, next_day.past_aue) == (0, 1)


def test_readiness_report_school_without_devices_has_no_share(technician: User):
    LocationFactory.create()

    row = reports.readiness_report(user=technician, today=TODAY).rows[0]

    assert (row.active, row.share_in_service, row.share_in_service_percent) == (0, None, "—")


def test_readiness_report_sorted_by_share_puts_least_ready_first(technician: User, district: dict):
    report = reports.readiness_report(user=technician, today=TODAY, sort="share")

    assert [row.name for row in report.rows] == ["North Elementary", "South High"]


def test_readiness_report_for_school_admin_shows_only_their_school(
    school_admin: User, district: dict, refresh_summaries: Callable[[], None]
):
    own = school_admin.profile.locations.get()
    DeviceFactory.create_batch(2, location=own)
    refresh_summaries()

    report = reports.readiness_report(user=school_admin, today=TODAY)

    assert [(row.name, row.active) for row in report.rows] == [("Maple Elementary", 2)]


def test_readiness_report_query_count_does_not_grow_with_schools(
    technician: User, refresh_summaries: Callable[[], None]
):
    for _ in range(5):
        DeviceFactory.create(location=LocationFactory.create())

    refresh_summaries()
    with CaptureQueriesContext(connection) as queries:
        reports.readiness_report(user=technician, today=TODAY)

    # The role check (the user's groups), the milestones the tally was counted against, the
    # tally's aggregate (Google's flags included) and the tally's refresh time.
    assert len(queries) == 4


def test_aue_plan_groups_by_school_year_school_and_model_with_cost(
    technician: User, district: dict, refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    plan = reports.aue_plan(user=technician, from_year=2025, to_year=2027)
    rows = reports.aue_plan_rows(user=technician, from_year=2025, to_year=2027)

    by_line = {(row.school_year, row.location_name, row.model_name): row.devices for row in rows}
    # 2025-26 (July 2025 to June 2026): June and February models; retired, lost and Windows are out.
    assert by_line == {
        (2025, "Depot", "C733"): 1,
        (2025, "North Elementary", "C733"): 10,
        (2025, "North Elementary", "C734"): 1,
        (2027, "South High", "C734"): 1,  # its own AUE, August 2027, is in 2027-28
    }
    year = plan.years[0]
    assert (year.label, year.devices, year.cost) == ("2025-26", 12, Decimal("3050.00"))
    assert [(m.model_name, m.devices, m.cost) for m in year.models] == [
        ("C733", 11, Decimal("2750.00")),
        ("C734", 1, Decimal("300.00")),
    ]
    assert [y.school_year for y in plan.years] == [2025, 2027]
    assert (plan.devices, plan.cost) == (13, Decimal("3350.00"))
    assert [(s.location_name, s.devices_by_year, s.devices, s.cost) for s in plan.schools] == [
        ("Depot", [1, 0], 1, Decimal("250.00")),
        ("North Elementary", [11, 0], 11, Decimal("2800.00")),
        ("South High", [0, 1], 1, Decimal("300.00")),
    ]


@pytest.mark.parametrize("narrowed", [False, True])
def test_aue_plan_figures_and_devices_by_model_are_its_rows_summed(
    technician: User,
    school_admin: User,
    district: dict,
    refresh_summaries: Callable[[], None],
    narrowed: bool,
):
    """The page's figures and the refresh plan's counts per model come from grouped queries of
    their own, the CSV's lines from another: they agree."""
    DeviceFactory.create_batch(2, location=school_admin.profile.locations.get(), model=district["june"])
    DeviceFactory.create(location=district["north"], model=district["june"], aue_override=dt.date(2028, 8, 1))
    refresh_summaries()
    location_id = district["north"].pk if narrowed else None

    for user in (technician, school_admin):
        plan = reports.aue_plan(user=user, from_year=2019, to_year=2030, location_id=location_id)
        rows = reports.aue_plan_rows(user=user, from_year=2019, to_year=2030, location_id=location_id)
        # Each sees devices reaching AUE, but the school administrator none at another school.
        assert bool(rows) is not (narrowed and user is school_admin)
        by_model: dict[int, dict[int, int]] = {}
        for row in rows:
            by_year = by_model.setdefault(row.model_id, {})
            by_year[row.school_year] = by_year.get(row.school_year, 0) + row.devices
        assert (
            reports.aue_devices_by_model(user=user, from_year=2019, to_year=2030, location_id=location_id)
            == by_model
        )
        years = sorted({row.school_year for row in rows})
        assert [year.school_year for year in plan.years] == years
        for year in plan.years:
            mine = [row for row in rows if row.school_year == year.school_year]
            assert (year.devices, year.cost) == (sum(r.devices for r in mine), sum(r.cost for r in mine))
            models = {(m.model_name, m.devices, m.cost) for m in year.models}
            assert models == {
                (
                    name,
                    sum(r.devices for r in mine if r.model_name == name),
                    sum(r.cost for r in mine if r.model_name == name),
                )
                for name in {r.model_name for r in mine}
            }
        schools = sorted({(row.location_name, row.location_id) for row in rows})
        assert [(line.location_name, line.location_id) for line in plan.schools] == schools
        for line in plan.schools:
            mine = [row for row in rows if row.location_id == line.location_id]
            assert line.devices_by_year == [sum(r.devices for r in mine if r.school_year == y) for y in years]
            assert (line.devices, line.cost) == (sum(r.devices for r in mine), sum(r.cost for r in mine))
        assert (plan.devices, plan.cost) == (sum(r.devices for r in rows), sum(r.cost for r in rows))


def test_aue_plan_school_year_boundaries_are_july_to_june(
    technician: User, refresh_summaries: Callable[[], None]
):
    school, model = LocationFactory.create(), DeviceModelFactory.create()
    for day in [dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2027, 6, 30), dt.date(2027, 7, 1)]:
        DeviceFactory.create(location=school, model=model, aue_override=day)

    refresh_summaries()
    rows = reports.aue_plan_rows(user=technician, from_year=2026, to_year=2026)

    assert [(row.school_year, row.devices) for row in rows] == [(2026, 2)]
    plan = reports.aue_plan(user=technician, from_year=2026, to_year=2026)
    assert [(year.school_year, year.devices) for year in plan.years] == [(2026, 2)]


def test_aue_plan_narrowed_to_one_school(
    technician: User, district: dict, refresh_summaries: Callable[[], None]
):
    refresh_summaries()
    south = district["south"].pk
    rows = reports.aue_plan_rows(user=technician, from_year=2025, to_year=2030, location_id=south)

    assert [(row.location_name, row.devices) for row in rows] == [("South High", 1)]
    plan = reports.aue_plan(user=technician, from_year=2025, to_year=2030, location_id=south)
    assert [(line.location_name, line.devices) for line in plan.schools] == [("South High", 1)]


def test_aue_plan_for_school_admin_counts_only_their_school(
    school_admin: User, district: dict, refresh_summaries: Callable[[], None]
):
    own = school_admin.profile.locations.get()
    DeviceFactory.create_batch(3, location=own, model=district["june"])
    refresh_summaries()

    rows = reports.aue_plan_rows(user=school_admin, from_year=2025, to_year=2030)

    assert [(row.location_name, row.devices, row.cost) for row in rows] == [
        ("Maple Elementary", 3, Decimal("750.00"))
    ]
    plan = reports.aue_plan(user=school_admin, from_year=2025, to_year=2030)
    assert [(line.location_name, line.devices, line.cost) for line in plan.schools] == [
        ("Maple Elementary", 3, Decimal("750.00"))
    ]


def test_aue_plan_default_years_start_with_this_school_year():
    with time_machine.travel(dt.datetime(2026, 8, 1, 12, 0), tick=False):
        assert reports.aue_plan_default_years() == (2026, 2030)
    assert reports.aue_plan_default_years(today=dt.date(2026, 6, 30)) == (2025, 2029)


def test_school_year_label_spans_two_calendar_years():
    assert reports.school_year_label(2029) == "2029-30"
    assert reports.school_year_label(2099) == "2099-00"


# Readiness from Google's data ------------------------------------------------------------------


@pytest.fixture
def google_district(refresh_summaries: Callable[[], None]) -> dict[str, Location]:
    """The district with Google's data; the device tally rebuilt from it on TODAY, as the nightly
    task does (Google's flags in the report are those of the rebuild's day)."""
    district = readiness_district()
    with time_machine.travel(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0), tick=False):
        refresh_summaries()
    return district


def test_os_milestone_is_the_major_of_the_version():
    assert reports.os_milestone("126.0.6478.132") == 126
    assert reports.os_milestone("14816.131.5") == 14816  # a platform version reads the same way
    assert reports.os_milestone("") is None
    assert reports.os_milestone("beta") is None


def test_readiness_flags_per_school_from_google_data(technician: User, google_district: dict):
    report = reports.readiness_report(user=technician, today=TODAY)

    by_name = {row.name: row for row in report.rows}
    figures = ("active", "not_synced", "os_behind", "dev_mode", "past_aue", "flagged")
    assert report.newest_milestone == 134
    assert [getattr(by_name["Eastside ES"], name) for name in figures] == [5, 1, 2, 1, 0, 3]
    assert [getattr(by_name["Westside MS"], name) for name in figures] == [2, 0, 1, 0, 1, 1]
    assert [getattr(report.total, name) for name in figures] == [7, 1, 3, 1, 1, 4]


def test_readiness_devices_lists_the_devices_behind_a_count(technician: User, google_district: dict):
    def tags(flag: str, **kwargs: object) -> list[str]:
        devices = reports.readiness_devices(user=technician, flag=flag, today=TODAY, **kwargs)  # type: ignore[arg-type]
        return [device.asset_tag for device in devices]

    assert tags("os_behind") == ["E2", "E3", "W1"]
    assert tags("os_behind", location_id=google_district["west"].pk) == ["W1"]
    assert tags("not_synced") == ["E4"]
    assert tags("dev_mode") == ["E4"]
    assert tags("past_aue") == ["W1"]


def test_readiness_devices_of_a_school_administrator_are_their_schools_only(google_district: dict):
    from accounts.choices import Role
    from tests.accounts.factories import StaffProfileFactory, UserFactory

    principal = UserFactory.create(roles=[Role.SCHOOL_ADMIN])
    StaffProfileFactory.create(user=principal, grade_number=None, locations=[google_district["west"]])

    devices = reports.readiness_devices(user=principal, flag="os_behind", today=TODAY)

    assert [device.asset_tag for device in devices] == ["W1"]


def test_readiness_devices_with_an_unknown_flag_raises(technician: User):
    with pytest.raises(ValueError):
        list(reports.readiness_devices(user=technician, flag="purple", today=TODAY))
