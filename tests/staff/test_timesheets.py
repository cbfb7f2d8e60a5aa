"""Time and pay: the weekly arithmetic (pure), the rule table over time, and the services' rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from accounts.choices import Role
from accounts.models import User
from core.exceptions import ConflictError, DomainError
from staff import permissions as staff_permissions
from staff.choices import OvertimeRequestStatus, TimeEntryKind, TimesheetStatus
from staff.models import OvertimeRule, TimeEntry, Timesheet
from staff.selectors import rules
from staff.selectors import time as time_selectors
from staff.services import timesheets
from tests.accounts.factories import (
    OvertimeRequestFactory,
    OvertimeRuleFactory,
    StaffProfileFactory,
    TimesheetFactory,
    UserFactory,
)
from tests.fleet.factories import LocationFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
D = Decimal
FALL_BACK_SUNDAY = dt.date(2026, 11, 1)  # clocks go back at 02:00: a 25-hour day
SPRING_FORWARD_SUNDAY = dt.date(2026, 3, 8)  # clocks go forward at 02:00: a 23-hour day


def make_rule(**overrides: object) -> OvertimeRule:
    values: dict[str, object] = {
        "effective_from": dt.date(2020, 7, 1),
        "grade_min": 18,
        "grade_max": 20,
        "eligible": True,
        "multiplier": D("1.50"),
        "weekly_threshold_hours": D("40.00"),
        "comp_time_allowed": True,
        "comp_time_rate": D("1.50"),
        "comp_time_cap_hours": D("240.00"),
    }
    values.update(overrides)
    return OvertimeRule(**values)


def entries(*hours: str, kind: str = TimeEntryKind.REGULAR) -> list[TimeEntry]:
    return [TimeEntry(kind=kind, hours=D(h)) for h in hours]


def staff(grade: int, *, rate: str = "30.00", supervisor: User | None = None) -> User:
    user = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=user, grade_number=grade, hourly_rate=D(rate), supervisor=supervisor)
    return user


def log_week(user: User, week_start: dt.date, hours: list[str], kind: str = TimeEntryKind.REGULAR) -> None:
    for offset, value in enumerate(hours):
        timesheets.time_entry_create(
            actor=user, work_date=week_start + dt.timedelta(days=offset), kind=kind, hours=D(value)
        )


def sheet(user: User, week_start: dt.date) -> Timesheet:
    return Timesheet.objects.get(user=user, week_start=week_start)


@pytest.fixture
def team_member(supervisor: User) -> User:
    """A grade 20 technician on the ``supervisor`` fixture's team, at 24.80 an hour."""
    return staff(20, rate="24.80", supervisor=supervisor)


# Pay arithmetic (pure) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("worked", "rate", "expected_overtime", "expected_pay"),
    [
        (["9", "9", "9", "9", "9.5"], "24.80", "5.5", "204.60"),  # grade 18 example: 5.5 x 24.80 x 1.5
        (["8", "8", "8", "8", "8", "2.25"], "31.37", "2.25", "105.87"),  # 105.87375 rounds down
        (["8", "8", "8", "8", "8.5"], "10.06", "0.5", "7.55"),  # 7.545: half-up, not half-even
        (["8", "8", "8", "8", "8"], "24.80", "0", "0.00"),  # exactly the threshold
        (["10", "10", "10", "10", "10", "10", "10"], "18.33", "30", "824.85"),
    ],
)
def test_week_pay_overtime_pay_to_the_cent(worked, rate, expected_overtime, expected_pay):
    pay = timesheets.week_pay(
        entries=entries(*worked), approved_hours=D("40"), rule=make_rule(), hourly_rate=D(rate)
    )

    assert pay.overtime_hours == D(expected_overtime)
    assert pay.overtime_pay == D(expected_pay)
    assert str(pay.overtime_pay) == expected_pay  # two places, always


def test_week_pay_rounds_once_for_the_week_not_per_day():
    # 0.25 h overtime on each of two days at 10.06: per-day rounding would give 3.77 + 3.77 = 7.54.
    pay = timesheets.week_pay(
        entries=entries("8", "8", "8", "8", "8", "0.25", "0.25"),
        approved_hours=D("0"),
        rule=make_rule(),
        hourly_rate=D("10.06"),
    )

    assert pay.overtime_pay == D("7.55")


@pytest.mark.parametrize(
    ("approved_hours", "approved", "unapproved"),
    [("0", "0", "5"), ("3", "3", "2"), ("5", "5", "0"), ("8", "5", "0")],
)
def test_week_pay_splits_approved_and_unapproved_and_pays_both(approved_hours, approved, unapproved):
    pay = timesheets.week_pay(
        entries=entries("9", "9", "9", "9", "9"),
        approved_hours=D(approved_hours),
        rule=make_rule(),
        hourly_rate=D("20.00"),
    )

    assert (pay.overtime_hours_approved, pay.overtime_hours_unapproved) == (D(approved), D(unapproved))
    assert pay.overtime_pay == D("150.00")  # unapproved overtime is paid as the law requires


def test_week_pay_leave_does_not_count_toward_the_threshold():
    week = [*entries("8", "8", "8", "8", "6"), *entries("8", kind=TimeEntryKind.LEAVE)]

    pay = timesheets.week_pay(entries=week, approved_hours=D("0"), rule=make_rule(), hourly_rate=D("25"))

    assert (pay.worked_hours, pay.leave_hours, pay.overtime_hours, pay.overtime_pay) == (
        D("38"),
        D("8"),
        D("0"),
        D("0.00"),
    )


@pytest.mark.parametrize("kind", [TimeEntryKind.TRAVEL, TimeEntryKind.ON_CALL, TimeEntryKind.EMERGENCY])
def test_week_pay_travel_on_call_and_emergency_are_hours_worked(kind):
    week = [*entries("8", "8", "8", "8", "8"), *entries("2", kind=kind)]

    pay = timesheets.week_pay(entries=week, approved_hours=D("0"), rule=make_rule(), hourly_rate=D("20"))

    assert pay.overtime_hours == D("2")
    assert pay.overtime_pay == D("60.00")


def test_week_pay_sums_mileage_of_travel_only():
    week = [TimeEntry(kind=TimeEntryKind.TRAVEL, hours=D("1"), mileage=D("12.5"))] * 2

    pay = timesheets.week_pay(entries=week, approved_hours=D("0"), rule=make_rule(), hourly_rate=D("20"))

    assert pay.mileage == D("25.0")


def test_week_pay_ineligible_rule_records_overtime_without_premium():
    pay = timesheets.week_pay(
        entries=entries("9", "9", "9", "9", "9"),
        approved_hours=D("2"),
        rule=make_rule(eligible=False, grade_min=21, grade_max=25),
        hourly_rate=D("40.00"),
        comp_time_elected=True,
    )

    assert pay.overtime_hours == D("5")
    assert (pay.overtime_hours_approved, pay.overtime_hours_unapproved) == (D("2"), D("3"))
    assert (pay.overtime_pay, pay.comp_time_hours, pay.eligible) == (D("0.00"), D("0.00"), False)
    assert "FLSA-exempt" in pay.note


@pytest.mark.parametrize(
    ("balance", "comp", "pay"),
    [
        ("0", "7.50", "0.00"),  # 5 h x 1.5 all banked
        ("232.5", "7.50", "0.00"),  # exactly fills the cap
        ("236", "4.00", "105.00"),  # 4 h of room banks 2⅔ h of overtime; 2⅓ h x 30 x 1.5 paid
        ("240", "0.00", "225.00"),  # cap reached: all paid
        ("250", "0.00", "225.00"),  # over the cap (rule lowered): all paid, never negative
    ],
)
def test_week_pay_comp_time_is_capped_and_the_rest_is_paid(balance, comp, pay):
    result = timesheets.week_pay(
        entries=entries("9", "9", "9", "9", "9"),
        approved_hours=D("5"),
        rule=make_rule(),
        hourly_rate=D("30.00"),
        comp_time_elected=True,
        comp_time_balance=D(balance),
    )

    assert (result.comp_time_hours, result.overtime_pay) == (D(comp), D(pay))


def test_week_pay_comp_time_when_rule_does_not_allow_it_is_paid():
    result = timesheets.week_pay(
        entries=entries("9", "9", "9", "9", "9"),
        approved_hours=D("0"),
        rule=make_rule(comp_time_allowed=False),
        hourly_rate=D("30.00"),
        comp_time_elected=True,
    )

    assert (result.comp_time_hours, result.overtime_pay) == (D("0.00"), D("225.00"))
    assert "not allowed" in result.note


def test_week_pay_uses_the_rules_threshold_and_multiplier():
    result = timesheets.week_pay(
        entries=entries("8", "8", "8", "8", "8"),
        approved_hours=D("0"),
        rule=make_rule(weekly_threshold_hours=D("37.5"), multiplier=D("2.00")),
        hourly_rate=D("31.37"),
    )

    assert (result.overtime_hours, result.overtime_pay) == (D("2.5"), D("156.85"))


# Daylight-saving weeks ----------------------------------------------------------------------------


def test_week_for_uses_the_rules_fixed_sunday_week_across_fall_back(technician: User):
    start, rule = rules.week_for(user=technician, day=dt.date(2026, 11, 4))

    assert start == FALL_BACK_SUNDAY
    assert rule.workweek_start == 6
    assert rules.week_for(user=technician, day=dt.date(2026, 10, 31))[0] == dt.date(2026, 10, 25)
    assert rules.week_for(user=technician, day=dt.date(2026, 11, 7))[0] == FALL_BACK_SUNDAY
    assert rules.week_for(user=technician, day=dt.date(2026, 11, 8))[0] == dt.date(2026, 11, 8)


def test_fall_back_week_counts_a_nine_hour_sunday_as_nine_and_pays_to_the_cent():
    user = staff(18, rate="24.80")
    # Sunday 1 Nov 2026 is 25 clock hours long; a 9-hour shift logged as 9 counts 9, not 10.
    log_week(user, FALL_BACK_SUNDAY, ["9", "9", "9", "9", "9.5"])

    timesheet = sheet(user, FALL_BACK_SUNDAY)
    assert timesheet.total_hours == D("45.50")
    assert timesheet.overtime_hours_unapproved == D("5.50")
    assert timesheet.overtime_pay == D("204.60")
    assert not Timesheet.objects.filter(user=user).exclude(week_start=FALL_BACK_SUNDAY).exists()


def test_spring_forward_week_counts_logged_hours_and_pays_to_the_cent():
    user = staff(20, rate="31.37")
    # Sunday 8 Mar 2026 is 23 clock hours long; the logged hours are what count.
    log_week(user, SPRING_FORWARD_SUNDAY, ["10", "8", "8", "8", "8.25"])
    OvertimeRequestFactory.create(
        requester=user,
        work_date=SPRING_FORWARD_SUNDAY,
        expected_hours=D("2"),
        status=OvertimeRequestStatus.APPROVED,
        rule=rules.rule_in_force(grade=20, on=SPRING_FORWARD_SUNDAY),
    )
    timesheets.timesheet_recompute(user=user, week_start=SPRING_FORWARD_SUNDAY)

    timesheet = sheet(user, SPRING_FORWARD_SUNDAY)
    assert timesheet.total_hours == D("42.25")
    assert (timesheet.overtime_hours_approved, timesheet.overtime_hours_unapproved) == (D("2"), D("0.25"))
    assert timesheet.overtime_pay == D("105.87")


def test_future_day_is_judged_in_new_york_not_utc(technician: User):
    # 03:30 UTC on 2 Nov is still 22:30 on Sunday 1 Nov in New York (EST after fall back).
    with time_machine.travel(dt.datetime(2026, 11, 2, 3, 30, tzinfo=dt.UTC), tick=False):
        timesheets.time_entry_create(
            actor=technician, work_date=FALL_BACK_SUNDAY, kind="regular", hours=D("9")
        )
        with pytest.raises(DomainError, match="not started"):
            timesheets.time_entry_create(
                actor=technician, work_date=dt.date(2026, 11, 2), kind="regular", hours=D("1")
            )


# The rule table over time: every grade, before and after a rule change -----------------------------

RULE_CHANGE = dt.date(2027, 1, 3)  # a Sunday


@pytest.fixture
def rule_change() -> None:
    """From 3 Jan 2027: grades 21-25 become eligible at 1.5; 18-20 get a 37.5-hour threshold."""
    OvertimeRuleFactory.create(
        effective_from=RULE_CHANGE,
        grade_min=18,
        grade_max=20,
        eligible=True,
        weekly_threshold_hours=D("37.50"),
        comp_time_allowed=True,
    )
    OvertimeRuleFactory.create(
        effective_from=RULE_CHANGE, grade_min=21, grade_max=25, eligible=True, multiplier=D("1.50")
    )


@pytest.mark.parametrize(
    ("grade", "week_start", "overtime", "pay", "eligible"),
    [
        (18, dt.date(2026, 12, 27), "5.00", "225.00", True),
        (20, dt.date(2026, 12, 27), "5.00", "225.00", True),
        (23, dt.date(2026, 12, 27), "5.00", "0.00", False),
        (25, dt.date(2026, 12, 27), "5.00", "0.00", False),
        (18, RULE_CHANGE, "7.50", "337.50", True),
        (20, RULE_CHANGE, "7.50", "337.50", True),
        (23, RULE_CHANGE, "5.00", "225.00", True),
        (25, RULE_CHANGE, "5.00", "225.00", True),
    ],
)
def test_rule_table_every_grade_before_and_after_a_rule_change(
    rule_change, grade, week_start, overtime, pay, eligible
):
    user = staff(grade, rate="30.00")
    with time_machine.travel(dt.datetime(2027, 2, 1, 12, tzinfo=NY), tick=False):
        log_week(user, week_start, ["9", "9", "9", "9", "9"])

    timesheet = sheet(user, week_start)
    assert timesheet.rule == rules.rule_in_force(grade=grade, on=week_start)
    assert timesheet.rule.eligible is eligible
    assert timesheet.overtime_hours_approved + timesheet.overtime_hours_unapproved == D(overtime)
    assert timesheet.overtime_pay == D(pay)


def test_rule_change_mid_week_applies_from_the_next_week():
    OvertimeRuleFactory.create(effective_from=dt.date(2027, 1, 6), grade_min=21, grade_max=25, eligible=True)
    user = staff(23, rate="30.00")
    with time_machine.travel(dt.datetime(2027, 2, 1, 12, tzinfo=NY), tick=False):
        log_week(user, RULE_CHANGE, ["9", "9", "9", "9", "9"])
        log_week(user, dt.date(2027, 1, 10), ["9", "9", "9", "9", "9"])

    assert sheet(user, RULE_CHANGE).overtime_pay == D("0.00")
    assert sheet(user, RULE_CHANGE).rule.effective_from == dt.date(2020, 7, 1)
    assert sheet(user, dt.date(2027, 1, 10)).overtime_pay == D("225.00")


def test_signed_off_week_keeps_its_rule_and_pay_after_a_rule_change(supervisor: User):
    user = staff(23, rate="30.00", supervisor=supervisor)
    week = dt.date(2026, 12, 27)
    with time_machine.travel(dt.datetime(2027, 1, 2, 12, tzinfo=NY), tick=False):
        log_week(user, week, ["9", "9", "9", "9", "9"])
        ts = timesheets.timesheet_submit(timesheet=sheet(user, week), actor=user)
        timesheets.timesheet_sign_off(timesheet=ts, actor=supervisor)
    OvertimeRuleFactory.create(effective_from=dt.date(2026, 12, 1), grade_min=21, grade_max=25, eligible=True)

    timesheets.timesheet_recompute(user=user, week_start=week)

    ts = sheet(user, week)
    assert (ts.overtime_pay, ts.rule.effective_from) == (D("0.00"), dt.date(2020, 7, 1))


# Comp time through the services ------------------------------------------------------------------


def test_submit_with_comp_time_banks_it_capped_by_earlier_weeks(supervisor: User):
    user = staff(20, rate="30.00", supervisor=supervisor)
    TimesheetFactory.create(
        user=user,
        week_start=dt.date(2026, 9, 6),
        comp_time_hours=D("236"),
        rule=rules.rule_in_force(grade=20, on=dt.date(2026, 9, 6)),
    )
    week = dt.date(2026, 10, 4)
    log_week(user, week, ["9", "9", "9", "9", "9"])
    open_sheet = sheet(user, week)
    assert (open_sheet.comp_time_hours, open_sheet.overtime_pay) == (D("0"), D("225.00"))  # preview: paid

    submitted = timesheets.timesheet_submit(
        timesheet=open_sheet, actor=user, expected_version=open_sheet.version, comp_time_elected=True
    )

    assert (submitted.comp_time_hours, submitted.overtime_pay) == (D("4.00"), D("105.00"))
    assert submitted.status == TimesheetStatus.SUBMITTED


# Time entry rules -------------------------------------------------------------------------------

DAY = dt.date(2026, 10, 14)


@pytest.mark.parametrize("hours", ["0", "-1", "0.24", "24.25"])
def test_time_entry_create_with_hours_out_of_range_raises_naming_hours(technician: User, hours):
    with pytest.raises(DomainError, match="Hours") as refused:
        timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D(hours))

    assert refused.value.field == "hours"


def test_time_entry_create_beyond_24_hours_in_a_day_raises(technician: User):
    timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("20"))

    with pytest.raises(DomainError, match="at most 24"):
        timesheets.time_entry_create(actor=technician, work_date=DAY, kind="travel", hours=D("4.5"))
    assert TimeEntry.objects.filter(user=technician).count() == 1


@pytest.mark.parametrize(
    ("kind", "mileage", "message"),
    [("regular", "10", "only on travel"), ("travel", "500.1", "between 0"), ("travel", "-1", "between 0")],
)
def test_time_entry_create_with_bad_mileage_raises(technician: User, kind, mileage, message):
    with pytest.raises(DomainError, match=message):
        timesheets.time_entry_create(
            actor=technician, work_date=DAY, kind=kind, hours=D("1"), mileage=D(mileage)
        )


def test_time_entry_create_travel_with_mileage_recomputes_the_week(technician: User):
    entry = timesheets.time_entry_create(
        actor=technician, work_date=DAY, kind="travel", hours=D("1.5"), mileage=D("23.4"), note="Oak to Elm"
    )

    ts = sheet(technician, dt.date(2026, 10, 11))
    assert (entry.mileage, ts.mileage, ts.total_hours, ts.status) == (D("23.4"), D("23.4"), D("1.5"), "open")


def test_time_entry_create_for_someone_else_is_refused_but_admin_may(
    technician: User, supervisor: User, admin_user: User
):
    with pytest.raises(PermissionDenied):
        timesheets.time_entry_create(
            actor=supervisor, owner=technician, work_date=DAY, kind="regular", hours=D("8")
        )

    entry = timesheets.time_entry_create(
        actor=admin_user, owner=technician, work_date=DAY, kind="regular", hours=D("8")
    )

    assert entry.user == technician


def test_time_entry_create_without_grade_raises(procurement: User):
    with pytest.raises(DomainError, match="no staff grade"):
        timesheets.time_entry_create(actor=procurement, work_date=DAY, kind="regular", hours=D("8"))


def test_time_entry_create_at_inactive_location_raises_naming_location_id(technician: User):
    closed_school = LocationFactory.create(is_active=False, name="Old Mill ES")

    with pytest.raises(DomainError, match="Old Mill ES") as excinfo:
        timesheets.time_entry_create(
            actor=technician, work_date=DAY, kind="regular", hours=D("8"), location_id=closed_school.pk
        )

    assert excinfo.value.field == "location_id"
    assert not TimeEntry.objects.exists()


def test_time_entry_update_to_inactive_location_raises_but_other_changes_keep_a_closed_one(
    technician: User,
):
    school = LocationFactory.create()
    entry = timesheets.time_entry_create(
        actor=technician, work_date=DAY, kind="regular", hours=D("8"), location_id=school.pk
    )
    closed_school = LocationFactory.create(is_active=False)

    with pytest.raises(DomainError) as excinfo:
        timesheets.time_entry_update(entry=entry, actor=technician, location_id=closed_school.pk)
    assert excinfo.value.field == "location_id"

    school.is_active = False
    school.save(update_fields=["is_active"])
    updated = timesheets.time_entry_update(entry=entry, actor=technician, hours=D("7"))
    assert (updated.location_id, updated.hours) == (school.pk, D("7"))


@pytest.mark.parametrize("status", [TimesheetStatus.SUBMITTED, TimesheetStatus.SIGNED_OFF])
def test_time_entry_writes_in_a_locked_week_raise(technician: User, status):
    entry = timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("8"))
    Timesheet.objects.filter(user=technician).update(status=status)

    with pytest.raises(DomainError, match="can no longer change"):
        timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("1"))
    with pytest.raises(DomainError, match="can no longer change"):
        timesheets.time_entry_update(entry=entry, actor=technician, hours=D("7"))
    with pytest.raises(DomainError, match="can no longer change"):
        timesheets.time_entry_delete(entry=entry, actor=technician)
    assert TimeEntry.objects.get(pk=entry.pk).hours == D("8")


def test_time_entry_update_moving_into_a_locked_week_raises(technician: User):
    entry = timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("8"))
    timesheets.time_entry_create(
        actor=technician, work_date=DAY - dt.timedelta(days=7), kind="regular", hours=D("1")
    )
    Timesheet.objects.filter(week_start=dt.date(2026, 10, 4)).update(status=TimesheetStatus.SUBMITTED)

    with pytest.raises(DomainError):
        timesheets.time_entry_update(entry=entry, actor=technician, work_date=DAY - dt.timedelta(days=7))


def test_time_entry_update_to_another_week_recomputes_both(technician: User):
    entry = timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("8"))

    timesheets.time_entry_update(
        entry=entry, actor=technician, work_date=DAY + dt.timedelta(days=7), hours=D("6")
    )

    assert sheet(technician, dt.date(2026, 10, 11)).total_hours == D("0")
    assert sheet(technician, dt.date(2026, 10, 18)).total_hours == D("6")


def test_time_entry_update_by_someone_else_is_refused(technician: User, supervisor: User):
    entry = timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("8"))

    with pytest.raises(PermissionDenied):
        timesheets.time_entry_update(entry=entry, actor=supervisor, hours=D("1"))
    with pytest.raises(PermissionDenied):
        timesheets.time_entry_delete(entry=entry, actor=supervisor)


def test_time_entry_delete_recomputes_the_week(technician: User):
    entry = timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("8"))

    ts = timesheets.time_entry_delete(entry=entry, actor=technician)

    assert ts.total_hours == D("0")
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_timesheet_recompute_is_idempotent(technician: User):
    timesheets.time_entry_create(actor=technician, work_date=DAY, kind="regular", hours=D("8"))
    first = timesheets.timesheet_recompute(user=technician, week_start=dt.date(2026, 10, 11))

    second = timesheets.timesheet_recompute(user=technician, week_start=dt.date(2026, 10, 11))

    assert second.version == first.version
    assert Timesheet.objects.filter(user=technician).count() == 1


def test_timesheet_recompute_for_a_day_that_does_not_start_a_week_raises(technician: User):
    with pytest.raises(DomainError, match="first day"):
        timesheets.timesheet_recompute(user=technician, week_start=DAY)


# Lifecycle ------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(team_member: User) -> Timesheet:
    log_week(team_member, dt.date(2026, 10, 4), ["9", "9", "9", "9", "9"])
    return timesheets.timesheet_submit(timesheet=sheet(team_member, dt.date(2026, 10, 4)), actor=team_member)


def test_timesheet_submit_by_someone_else_is_refused(team_member: User, supervisor: User):
    log_week(team_member, dt.date(2026, 10, 4), ["8"])

    with pytest.raises(PermissionDenied):
        timesheets.timesheet_submit(timesheet=sheet(team_member, dt.date(2026, 10, 4)), actor=supervisor)


def test_timesheet_submit_with_stale_version_raises_conflict(team_member: User):
    log_week(team_member, dt.date(2026, 10, 4), ["8"])
    ts = sheet(team_member, dt.date(2026, 10, 4))

    with pytest.raises(ConflictError):
        timesheets.timesheet_submit(timesheet=ts, actor=team_member, expected_version=ts.version - 1)


def test_timesheet_submit_twice_raises(submitted: Timesheet):
    with pytest.raises(DomainError, match="can no longer change"):
        timesheets.timesheet_submit(timesheet=submitted, actor=submitted.user)


def test_timesheet_sign_off_by_own_supervisor(submitted: Timesheet, supervisor: User):
    ts = timesheets.timesheet_sign_off(
        timesheet=submitted, actor=supervisor, expected_version=submitted.version
    )

    assert (ts.status, ts.signed_off_by, ts.version) == (
        TimesheetStatus.SIGNED_OFF,
        supervisor,
        submitted.version + 1,
    )
    assert ts.signed_off_at is not None
    assert ts.overtime_pay == D("186.00")  # 5 x 24.80 x 1.5


def test_timesheet_sign_off_of_own_week_is_refused_even_for_a_supervisor_admin():
    boss = UserFactory.create(roles=[Role.SUPERVISOR, Role.ADMIN])
    StaffProfileFactory.create(user=boss, grade_number=20)
    log_week(boss, dt.date(2026, 10, 4), ["8"])
    ts = timesheets.timesheet_submit(timesheet=sheet(boss, dt.date(2026, 10, 4)), actor=boss)

    with pytest.raises(PermissionDenied):
        timesheets.timesheet_sign_off(timesheet=ts, actor=boss)


def test_timesheet_sign_off_by_another_teams_supervisor_is_refused(submitted: Timesheet):
    other = UserFactory.create(roles=[Role.SUPERVISOR])

    with pytest.raises(PermissionDenied):
        timesheets.timesheet_sign_off(timesheet=submitted, actor=other)


def test_timesheet_sign_off_by_admin_is_allowed(submitted: Timesheet, admin_user: User):
    ts = timesheets.timesheet_sign_off(timesheet=submitted, actor=admin_user)

    assert ts.signed_off_by == admin_user


def test_timesheet_sign_off_with_stale_version_raises_conflict(submitted: Timesheet, supervisor: User):
    with pytest.raises(ConflictError):
        timesheets.timesheet_sign_off(
            timesheet=submitted, actor=supervisor, expected_version=submitted.version - 1
        )
    assert sheet(submitted.user, submitted.week_start).status == TimesheetStatus.SUBMITTED


def test_timesheet_sign_off_of_an_open_week_raises(team_member: User, supervisor: User):
    log_week(team_member, dt.date(2026, 10, 4), ["8"])

    with pytest.raises(DomainError, match="submitted"):
        timesheets.timesheet_sign_off(timesheet=sheet(team_member, dt.date(2026, 10, 4)), actor=supervisor)


def test_timesheet_sign_off_counts_approvals_decided_after_submission(submitted: Timesheet, supervisor: User):
    assert (submitted.overtime_hours_approved, submitted.overtime_hours_unapproved) == (D("0"), D("5"))
    OvertimeRequestFactory.create(
        requester=submitted.user,
        work_date=submitted.week_start + dt.timedelta(days=2),
        expected_hours=D("3"),
        status=OvertimeRequestStatus.APPROVED,
        rule=submitted.rule,
    )
    OvertimeRequestFactory.create(  # pending requests do not count
        requester=submitted.user, work_date=submitted.week_start, expected_hours=D("2"), rule=submitted.rule
    )

    ts = timesheets.timesheet_sign_off(timesheet=submitted, actor=supervisor)

    assert (ts.overtime_hours_approved, ts.overtime_hours_unapproved, ts.overtime_pay) == (
        D("3"),
        D("2"),
        D("186.00"),
    )


def test_timesheet_reopen_lets_the_owner_edit_again(submitted: Timesheet, supervisor: User):
    ts = timesheets.timesheet_reopen(
        timesheet=submitted, actor=supervisor, expected_version=submitted.version
    )

    assert ts.status == TimesheetStatus.OPEN
    timesheets.time_entry_create(
        actor=submitted.user, work_date=submitted.week_start, kind="regular", hours=D("1")
    )
    assert sheet(submitted.user, submitted.week_start).total_hours == D("46")


def test_timesheet_reopen_of_signed_off_week_raises(submitted: Timesheet, supervisor: User):
    ts = timesheets.timesheet_sign_off(timesheet=submitted, actor=supervisor)

    with pytest.raises(DomainError, match="submitted"):
        timesheets.timesheet_reopen(timesheet=ts, actor=supervisor)


def test_timesheet_reopen_by_owner_is_refused(submitted: Timesheet):
    with pytest.raises(PermissionDenied):
        timesheets.timesheet_reopen(timesheet=submitted, actor=submitted.user)


# Permissions and selectors ------------------------------------------------------------------------


def test_permissions_for_a_submitted_timesheet(
    submitted: Timesheet,
    supervisor: User,
    admin_user: User,
    procurement: User,
    technician: User,
    no_role_user: User,
):
    other_supervisor = UserFactory.create(roles=[Role.SUPERVISOR])
    owner = submitted.user
    table = {
        owner: (True, False, True),
        supervisor: (True, True, False),
        admin_user: (True, True, False),
        other_supervisor: (False, False, False),
        procurement: (False, False, False),
        technician: (False, False, False),
        no_role_user: (False, False, False),
    }
    for user, (view, sign_off, submit) in table.items():
        assert staff_permissions.can_view_timesheet(user, submitted) is view, user
        assert staff_permissions.can_sign_off_timesheet(user, submitted) is sign_off, user
        assert staff_permissions.can_submit_timesheet(user, submitted) is submit, user


def test_procurement_sees_no_timesheet_even_signed_off(
    submitted: Timesheet, supervisor: User, procurement: User
):
    timesheets.timesheet_sign_off(timesheet=submitted, actor=supervisor)

    assert list(time_selectors.timesheet_list(user=procurement)) == []
    assert not staff_permissions.can_view_timesheet(procurement, sheet(submitted.user, submitted.week_start))


@pytest.mark.parametrize(
    ("actor", "team", "payroll"),
    [
        ("technician", False, False),
        ("supervisor", True, False),
        ("procurement", False, False),
        ("admin_user", True, True),
        ("no_role_user", False, False),
    ],
)
def test_page_permissions_by_role(request: pytest.FixtureRequest, actor, team, payroll):
    user = request.getfixturevalue(actor)

    assert staff_permissions.can_view_team_timesheets(user) is team
    assert staff_permissions.can_export_payroll(user) is payroll


def test_timesheet_list_visibility(
    submitted: Timesheet, supervisor: User, technician: User, admin_user: User
):
    own = TimesheetFactory.create(user=technician, rule=submitted.rule)

    assert {ts.pk for ts in time_selectors.timesheet_list(user=submitted.user)} == {submitted.pk}
    assert {ts.pk for ts in time_selectors.timesheet_list(user=supervisor)} == {submitted.pk}
    assert {ts.pk for ts in time_selectors.timesheet_list(user=technician)} == {own.pk}
    assert {ts.pk for ts in time_selectors.timesheet_list(user=admin_user)} == {submitted.pk, own.pk}


def test_licence_expiring_for_flags_team_within_30_days_and_expired(supervisor: User):
    today = dt.date(2026, 11, 28)
    soon = staff(20, supervisor=supervisor)
    expired = staff(18, supervisor=supervisor)
    later = staff(20, supervisor=supervisor)
    other_team = staff(20, supervisor=UserFactory.create(roles=[Role.SUPERVISOR]))
    for user, expiry in [
        (soon, today + dt.timedelta(days=30)),
        (expired, today - dt.timedelta(days=1)),
        (later, today + dt.timedelta(days=31)),
        (other_team, today),
    ]:
        user.profile.licence_expires_on = expiry
        user.profile.save(update_fields=["licence_expires_on"])

    flagged = [p.user for p in time_selectors.licence_expiring_for(supervisor=supervisor, today=today)]

    assert flagged == [expired, soon]
