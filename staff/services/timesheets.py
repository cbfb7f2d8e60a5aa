"""Time and pay: logging hours, the weekly timesheet, its overtime arithmetic and its sign-off.

Decisions this module implements (the issue "Staff", time and pay half):

* **Hours worked** for the FLSA threshold are regular + travel + on-call + emergency hours.
  Leave is recorded and shown but never counts toward the threshold (the FLSA counts hours
  actually worked).
* **Dates, not timestamps.** A time entry is a calendar date in America/New_York with decimal
  hours. A week is the rule's fixed seven calendar days starting on ``rule.workweek_start``, so a
  daylight-saving week (the week of 2026-03-08 or 2026-11-01) is summed from the logged hours:
  a nine-hour Sunday shift logged as 9 counts 9 whatever the clocks did that night. "Today"
  is ``timezone.localdate()`` in the district's zone.
* **Which rule.** The rule in force for the person's grade on the workweek's first day; it is
  recorded on the timesheet. A rule that takes effect mid-week applies from the next week.
* **Overtime** = max(0, worked - threshold). **Approved** overtime = min(overtime, the
  ``expected_hours`` of the person's APPROVED overtime requests dated in that week); the rest is
  **unapproved**: still recorded and paid as the law requires, and flagged for the supervisor.
* **Ineligible grades** (``rule.eligible`` False, FLSA-exempt): overtime hours are computed and
  shown, but pay and comp time are 0 and the result carries a note saying why.
* **Pay** for eligible grades = paid overtime hours x hourly rate x ``rule.multiplier`` as
  Decimal, rounded to the cent with ROUND_HALF_UP once, at the end (never per day).
* **Comp time** instead of pay, when the person elects it and ``rule.comp_time_allowed``:
  comp hours = overtime x ``rule.comp_time_rate``, capped at ``rule.comp_time_cap_hours`` minus
  the comp time already accrued (the sum over the person's earlier timesheets; comp time taken
  is not tracked here, so the balance only grows). Overtime beyond the cap is paid in cash.
  The election is made when the week is submitted (``timesheet_submit(comp_time_elected=...)``);
  an open week previews as paid overtime, and reopening a week drops the election until it is
  submitted again. This keeps the election off the model.
* **Lifecycle.** open → submitted (by the staff member) → signed_off (by their supervisor or an
  administrator, never by themselves). A supervisor may reopen a submitted week; a signed-off
  week is final. Time entries of a submitted or signed-off week cannot be added, changed or
  deleted. Status changes check the optimistic ``version`` (ConflictError when stale).
* **Recompute** (``timesheet_recompute``) runs after every time-entry change of an open week and
  is idempotent: it rewrites the figures from the entries and bumps ``version`` only when they
  changed. Sign-off refreshes the approved/unapproved split (approvals decided after the
  submission count) without touching pay, which does not depend on approval.
* The hourly rate is the profile's rate at computation time; it is frozen with the figures once
  the week is submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import StaffProfile, User
from core.exceptions import ConflictError, DomainError
from fleet.models import Location
from fleet.selectors import devices as fleet_selectors
from staff import permissions as staff_permissions
from staff.choices import OvertimeRequestStatus, TimeEntryKind, TimesheetStatus
from staff.models import OvertimeRequest, OvertimeRule, TimeEntry, Timesheet
from staff.selectors import rules

ZERO = Decimal("0")
CENT = Decimal("0.01")
MAX_DAY_HOURS = Decimal("24")
# A quarter of an hour is the smallest time payroll pays: the form, the API and this service agree.
MIN_ENTRY_HOURS = Decimal("0.25")
MAX_MILEAGE = Decimal("500")
WORKED_KINDS = frozenset(
    {TimeEntryKind.REGULAR, TimeEntryKind.TRAVEL, TimeEntryKind.ON_CALL, TimeEntryKind.EMERGENCY}
)
ENTRY_FIELDS = ("work_date", "kind", "hours", "mileage", "location", "note")


# The pure computation ---------------------------------------------------------------------------


class EntryLike(Protocol):
    """What ``week_pay`` reads from a time entry (a ``TimeEntry`` or any look-alike)."""

    @property
    def kind(self) -> str: ...

    @property
    def hours(self) -> Decimal: ...

    @property
    def mileage(self) -> Decimal | None: ...


@dataclass(frozen=True)
class WeekPay:
    """One workweek's figures; hours are exact, money and comp time are rounded to the cent."""

    worked_hours: Decimal
    leave_hours: Decimal
    overtime_hours: Decimal
    overtime_hours_approved: Decimal
    overtime_hours_unapproved: Decimal
    paid_overtime_hours: Decimal
    overtime_pay: Decimal
    comp_time_hours: Decimal
    mileage: Decimal
    eligible: bool
    note: str = ""


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def week_pay(
    *,
    entries: Iterable[EntryLike],
    approved_hours: Decimal,
    rule: OvertimeRule,
    hourly_rate: Decimal,
    comp_time_elected: bool = False,
    comp_time_balance: Decimal = ZERO,
) -> WeekPay:
    """Compute one workweek's hours, overtime split, overtime pay and comp time.

    Pure: reads only its arguments (``rule`` may be unsaved), so it is tested without the
    database. See the module docstring for the rules; in short, leave does not count toward
    ``rule.weekly_threshold_hours``, unapproved overtime is paid like approved overtime,
    ineligible grades get no premium, and money is rounded half-up to the cent once at the end.
    """
    worked = leave = mileage = ZERO
    for entry in entries:
        if entry.kind == TimeEntryKind.LEAVE:
            leave += entry.hours
        elif entry.kind in WORKED_KINDS:
            worked += entry.hours
        if entry.kind == TimeEntryKind.TRAVEL and entry.mileage:
            mileage += entry.mileage
    overtime = max(ZERO, worked - rule.weekly_threshold_hours)
    approved = min(overtime, max(ZERO, approved_hours))
    unapproved = overtime - approved
    figures = {
        "worked_hours": worked,
        "leave_hours": leave,
        "overtime_hours": overtime,
        "overtime_hours_approved": approved,
        "overtime_hours_unapproved": unapproved,
        "mileage": mileage,
    }
    if not rule.eligible:
        note = (
            "Not eligible for overtime pay under the rule in force from "
            f"{rule.effective_from:%Y-%m-%d} (FLSA-exempt): hours over the threshold are recorded only."
        )
        return WeekPay(
            **figures,
            paid_overtime_hours=ZERO,
            overtime_pay=ZERO.quantize(CENT),
            comp_time_hours=ZERO.quantize(CENT),
            eligible=False,
            note=note if overtime else "",
        )
    comp_time = ZERO
    paid_hours = overtime
    note = ""
    if comp_time_elected and rule.comp_time_allowed and overtime:
        room = max(ZERO, rule.comp_time_cap_hours - comp_time_balance)
        wanted = overtime * rule.comp_time_rate
        if wanted <= room:
            comp_time, paid_hours = wanted, ZERO
        else:
            comp_time, paid_hours = room, overtime - room / rule.comp_time_rate
            note = f"Comp time capped at {rule.comp_time_cap_hours} hours: the rest is paid."
    elif comp_time_elected and overtime:
        note = "Comp time is not allowed under this rule: overtime is paid."
    return WeekPay(
        **figures,
        paid_overtime_hours=paid_hours,
        overtime_pay=_cents(paid_hours * hourly_rate * rule.multiplier),
        comp_time_hours=_cents(comp_time),
        eligible=True,
        note=note,
    )


# Weeks ------------------------------------------------------------------------------------------


def _week_dates(week_start: dt.date) -> tuple[dt.date, dt.date]:
    return week_start, week_start + dt.timedelta(days=6)


def approved_overtime_hours(*, user: User, week_start: dt.date) -> Decimal:
    """Sum of expected hours of the user's APPROVED overtime requests dated in the week."""
    total = OvertimeRequest.objects.filter(
        requester=user,
        status=OvertimeRequestStatus.APPROVED,
        work_date__range=_week_dates(week_start),
    ).aggregate(total=Sum("expected_hours"))["total"]
    return total or ZERO


def comp_time_balance(*, user: User, before: dt.date) -> Decimal:
    """Comp time accrued on the user's timesheets of weeks before ``before``."""
    total = Timesheet.objects.filter(user=user, week_start__lt=before).aggregate(
        total=Sum("comp_time_hours")
    )["total"]
    return total or ZERO


def _locked_week(*, user: User, day: dt.date) -> Timesheet:
    """The week's timesheet (created open if missing), locked for the rest of the transaction.

    Every write to a week goes through this lock, so two entries logged at once cannot both pass
    the 24-hour day check, and a submit cannot slip between an entry and its recompute.
    """
    start, rule = rules.week_for(user=user, day=day)
    timesheet, _ = Timesheet.objects.get_or_create(user=user, week_start=start, defaults={"rule": rule})
    return Timesheet.objects.select_for_update().get(pk=timesheet.pk)


def _compute(timesheet: Timesheet, *, comp_time_elected: bool) -> WeekPay:
    start, end = _week_dates(timesheet.week_start)
    entries = list(TimeEntry.objects.filter(user=timesheet.user, work_date__range=(start, end)))
    profile = StaffProfile.objects.filter(user=timesheet.user).first()
    return week_pay(
        entries=entries,
        approved_hours=approved_overtime_hours(user=timesheet.user, week_start=start),
        rule=timesheet.rule,
        hourly_rate=profile.hourly_rate if profile else ZERO,
        comp_time_elected=comp_time_elected,
        comp_time_balance=comp_time_balance(user=timesheet.user, before=start),
    )


FIGURE_FIELDS = [
    "total_hours",
    "overtime_hours_approved",
    "overtime_hours_unapproved",
    "overtime_pay",
    "comp_time_hours",
    "mileage",
]


def _apply(timesheet: Timesheet, pay: WeekPay) -> bool:
    """Copy the figures onto the timesheet; True when any of them changed."""
    values = {
        "total_hours": pay.worked_hours,
        "overtime_hours_approved": pay.overtime_hours_approved,
        "overtime_hours_unapproved": pay.overtime_hours_unapproved,
        "overtime_pay": pay.overtime_pay,
        "comp_time_hours": pay.comp_time_hours,
        "mileage": pay.mileage,
    }
    changed = any(getattr(timesheet, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(timesheet, name, value)
    return changed


def _check_version(timesheet: Timesheet, expected_version: int | None) -> None:
    if expected_version is not None and timesheet.version != expected_version:
        raise ConflictError("This timesheet changed since you opened it. Reload and try again.")


# Services ---------------------------------------------------------------------------------------


@transaction.atomic
def timesheet_recompute(*, user: User, week_start: dt.date, comp_time_elected: bool = False) -> Timesheet:
    """Recompute an open week's figures from its entries; create the timesheet if missing.

    Idempotent: running it twice gives the same row, and ``version`` moves only when a figure
    changed. The rule is the one in force on ``week_start`` (re-read, so an open week follows a
    rule row added retroactively). Submitted and signed-off weeks are returned unchanged.
    Raises DomainError when ``week_start`` is not the first day of a workweek, or the user has
    no grade or rule.
    """
    start, rule = rules.week_for(user=user, day=week_start)
    if start != week_start:
        raise DomainError(f"{week_start:%Y-%m-%d} is not the first day of a workweek.")
    timesheet = _locked_week(user=user, day=week_start)
    if timesheet.status != TimesheetStatus.OPEN:
        return timesheet
    timesheet.rule = rule
    changed = _apply(timesheet, _compute(timesheet, comp_time_elected=comp_time_elected))
    if changed or timesheet.rule_id != rule.pk:
        timesheet.version += 1
    timesheet.full_clean(validate_unique=False, validate_constraints=False)
    timesheet.save(update_fields=[*FIGURE_FIELDS, "rule", "version", "updated_at"])
    return timesheet


def _validate_entry(
    *,
    owner: User,
    work_date: dt.date,
    kind: str,
    hours: Decimal,
    mileage: Decimal | None,
    exclude_pk: int | None = None,
) -> None:
    if kind not in TimeEntryKind.values:
        raise DomainError(f"Unknown kind of time: {kind}.", field="kind")
    if not MIN_ENTRY_HOURS <= hours <= MAX_DAY_HOURS:
        raise DomainError(
            f"Hours must be at least {MIN_ENTRY_HOURS} (a quarter of an hour) and at most 24.", field="hours"
        )
    if mileage is not None:
        if kind != TimeEntryKind.TRAVEL:
            raise DomainError("Mileage goes only on travel between sites.", field="mileage")
        if not ZERO <= mileage <= MAX_MILEAGE:
            raise DomainError(f"Mileage must be between 0 and {MAX_MILEAGE} miles.", field="mileage")
    others = TimeEntry.objects.filter(user=owner, work_date=work_date)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    logged = others.aggregate(total=Sum("hours"))["total"] or ZERO
    if logged + hours > MAX_DAY_HOURS:
        raise DomainError(
            f"{work_date:%a %d %b} would have {logged + hours} hours logged: a day has at most 24.",
            field="hours",
        )


def _require_location(*, actor: User, location_id: int | None) -> None:
    """An entry names an active location the person logging it can see (the form's choices)."""
    if location_id is None or fleet_selectors.location_list(user=actor).filter(pk=location_id).exists():
        return
    location = Location.objects.filter(pk=location_id).first()
    label = location.name if location is not None else f"Location {location_id}"
    raise DomainError(f"{label} is not an active location you can choose.", field="location_id")


def _require_past(work_date: dt.date) -> None:
    """Checked before anything else, so a far-off date never reaches the week arithmetic."""
    if work_date > timezone.localdate():
        raise DomainError("You cannot log time for a day that has not started yet.", field="work_date")


def _require_open(timesheet: Timesheet, *, field: str | None = None) -> None:
    """``field`` names the input that chose the week (the day logged), when one did."""
    if timesheet.status != TimesheetStatus.OPEN:
        raise DomainError(
            f"The week of {timesheet.week_start:%d %b %Y} is {timesheet.get_status_display().lower()}: "
            "its time can no longer change.",
            field=field,
        )


@transaction.atomic
def time_entry_create(
    *,
    actor: User,
    work_date: dt.date,
    kind: str,
    hours: Decimal,
    owner: User | None = None,
    mileage: Decimal | None = None,
    location_id: int | None = None,
    note: str = "",
) -> TimeEntry:
    """Log hours for one day; ``owner`` defaults to the actor (only an admin logs for others).

    Rules: 0.25 ≤ hours ≤ 24 and at most 24 hours on one day; mileage only on travel, 0-500;
    not for a future day; not in a submitted or signed-off week; the location, if any, active
    and visible to the actor. A refusal about one input names it (``work_date``, ``kind``,
    ``hours``, ``mileage``, ``location_id``). Recomputes the week.
    Raises PermissionDenied or DomainError.
    """
    owner = owner or actor
    if not staff_permissions.can_log_time(actor, owner):
        raise PermissionDenied
    _require_past(work_date)
    _require_location(actor=actor, location_id=location_id)
    timesheet = _locked_week(user=owner, day=work_date)
    _require_open(timesheet, field="work_date")
    _validate_entry(owner=owner, work_date=work_date, kind=kind, hours=hours, mileage=mileage)
    entry = TimeEntry(
        user=owner,
        work_date=work_date,
        kind=kind,
        hours=hours,
        mileage=mileage,
        location_id=location_id,
        note=note,
    )
    entry.full_clean(validate_constraints=False)
    entry.save()
    timesheet_recompute(user=owner, week_start=timesheet.week_start)
    return entry


@transaction.atomic
def time_entry_update(*, entry: TimeEntry, actor: User, **changes: object) -> TimeEntry:
    """Change an entry (fields among work_date, kind, hours, mileage, location, note).

    Same rules as ``time_entry_create``; moving an entry to another week needs both weeks open,
    and both are recomputed. The location is checked only when it changes, so an entry made at
    a site that has since closed can still be corrected. Raises PermissionDenied or DomainError.
    """
    if not staff_permissions.can_change_time_entry(actor, entry):
        raise PermissionDenied
    unknown = set(changes) - {*ENTRY_FIELDS, "location_id"}
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.")
    old_week = _locked_week(user=entry.user, day=entry.work_date)
    _require_open(old_week)
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    location_before = entry.location_id
    for name, value in changes.items():
        setattr(entry, name, value)
    if entry.location_id != location_before:
        _require_location(actor=actor, location_id=entry.location_id)
    if entry.kind != TimeEntryKind.TRAVEL and "mileage" not in changes:
        entry.mileage = None
    _require_past(entry.work_date)
    new_week = _locked_week(user=entry.user, day=entry.work_date)
    _require_open(new_week, field="work_date" if "work_date" in changes else None)
    _validate_entry(
        owner=entry.user,
        work_date=entry.work_date,
        kind=entry.kind,
        hours=Decimal(entry.hours),
        mileage=entry.mileage,
        exclude_pk=entry.pk,
    )
    entry.full_clean(validate_constraints=False)
    entry.save()
    timesheet_recompute(user=entry.user, week_start=old_week.week_start)
    if new_week.pk != old_week.pk:
        timesheet_recompute(user=entry.user, week_start=new_week.week_start)
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> Timesheet:
    """Delete an entry of an open week and return the recomputed week.

    Raises PermissionDenied or DomainError (locked week).
    """
    if not staff_permissions.can_change_time_entry(actor, entry):
        raise PermissionDenied
    timesheet = _locked_week(user=entry.user, day=entry.work_date)
    _require_open(timesheet)
    entry.delete()
    return timesheet_recompute(user=timesheet.user, week_start=timesheet.week_start)


@transaction.atomic
def timesheet_submit(
    *,
    timesheet: Timesheet,
    actor: User,
    expected_version: int | None = None,
    comp_time_elected: bool = False,
) -> Timesheet:
    """The staff member hands in their open week; figures are recomputed with the comp time election.

    Raises PermissionDenied (not their week), DomainError (not open) or ConflictError (stale).
    """
    if not staff_permissions.can_submit_timesheet(actor, timesheet):
        raise PermissionDenied
    locked = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
    _check_version(locked, expected_version)
    _require_open(locked)
    locked = timesheet_recompute(
        user=locked.user, week_start=locked.week_start, comp_time_elected=comp_time_elected
    )
    locked.status = TimesheetStatus.SUBMITTED
    locked.version += 1
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save(update_fields=["status", "version", "updated_at"])
    return locked


@transaction.atomic
def timesheet_sign_off(
    *, timesheet: Timesheet, actor: User, expected_version: int | None = None
) -> Timesheet:
    """The supervisor (or an admin, never the staff member) signs off a submitted week.

    Refreshes the approved/unapproved overtime split so approvals decided after the
    submission count; pay is unchanged (it does not depend on approval).
    Raises PermissionDenied, DomainError (not submitted) or ConflictError (stale version).
    """
    if not staff_permissions.can_sign_off_timesheet(actor, timesheet):
        raise PermissionDenied
    locked = Timesheet.objects.select_for_update().select_related("user").get(pk=timesheet.pk)
    _check_version(locked, expected_version)
    if locked.status != TimesheetStatus.SUBMITTED:
        raise DomainError(
            f"Only a submitted week can be signed off; this one is {locked.get_status_display().lower()}."
        )
    overtime = locked.overtime_hours_approved + locked.overtime_hours_unapproved
    approved = min(overtime, approved_overtime_hours(user=locked.user, week_start=locked.week_start))
    locked.overtime_hours_approved, locked.overtime_hours_unapproved = approved, overtime - approved
    locked.status = TimesheetStatus.SIGNED_OFF
    locked.signed_off_by, locked.signed_off_at = actor, timezone.now()
    locked.version += 1
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save(
        update_fields=[
            "overtime_hours_approved",
            "overtime_hours_unapproved",
            "status",
            "signed_off_by",
            "signed_off_at",
            "version",
            "updated_at",
        ]
    )
    return locked


@transaction.atomic
def timesheet_reopen(*, timesheet: Timesheet, actor: User, expected_version: int | None = None) -> Timesheet:
    """The supervisor (or an admin) sends a submitted week back to its owner for changes.

    A signed-off week is final. Raises PermissionDenied, DomainError or ConflictError.
    """
    if not staff_permissions.can_sign_off_timesheet(actor, timesheet):
        raise PermissionDenied
    locked = Timesheet.objects.select_for_update().get(pk=timesheet.pk)
    _check_version(locked, expected_version)
    if locked.status != TimesheetStatus.SUBMITTED:
        raise DomainError(
            f"Only a submitted week can be reopened; this one is {locked.get_status_display().lower()}."
        )
    locked.status = TimesheetStatus.OPEN
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    return timesheet_recompute(user=locked.user, week_start=locked.week_start)
