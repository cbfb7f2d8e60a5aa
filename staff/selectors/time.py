"""Reads about time and pay.

Visibility mirrors staff.permissions.can_view_pay (pay is private): own time; a supervisor's team,
also for the supervisor's active delegate; everything for an administrator. No other role reads
anyone's time, timesheets or pay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import permissions as account_permissions
from accounts.choices import Role
from accounts.models import StaffProfile, User
from core.filters import filtered
from staff import permissions as staff_permissions
from staff.choices import TimeEntryKind, TimesheetStatus
from staff.models import (
    OvertimeDelegation,
    OvertimeRule,
    TimeEntry,
    Timesheet,
)
from staff.selectors import rules

if TYPE_CHECKING:
    pass


LICENCE_WARNING_DAYS = 30


@dataclass(frozen=True)
class WeekView:
    """One person's workweek for the "My week" page; ``timesheet`` is None before any entry."""

    week_start: dt.date
    week_end: dt.date
    rule: OvertimeRule
    entries: list[TimeEntry]
    timesheet: Timesheet | None
    day_totals: list[tuple[dt.date, Decimal]]
    leave_hours: Decimal

    @property
    def is_open(self) -> bool:
        return self.timesheet is None or self.timesheet.status == TimesheetStatus.OPEN


def _pay_visible(*, user: User) -> Q | None:
    """Whose time and pay ``user`` sees, as a filter on the owner (None: everyone's).

    Their own; their team's when they supervise; the team of each supervisor whose delegation
    to them covers today (the delegate stands in for the supervisor); everyone's for admins.

    The people's ids are read first (one small query): filtered by a list of owners, the lists
    start from the index on the owner, where an OR over the owner's profile and the delegations
    made PostgreSQL walk every entry of the district newest first (7,000 of them for a
    technician's first page of /api/time-entries/, 9 ms).
    """
    if account_permissions.is_admin(user):
        return None
    people = Q(pk=user.pk)
    if account_permissions.has_any_role(user, Role.SUPERVISOR):
        people |= Q(profile__supervisor=user)
    today = timezone.localdate()
    delegators = OvertimeDelegation.objects.filter(
        delegate=user, starts_on__lte=today, ends_on__gte=today
    ).values("supervisor")
    people |= Q(profile__supervisor__in=delegators)
    return Q(user_id__in=sorted(User.objects.filter(people).values_list("pk", flat=True)))


def _time_entries_visible(*, user: User) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.select_related("user", "location").order_by("-work_date", "pk")
    visible = _pay_visible(user=user)
    return entries if visible is None else entries.filter(visible)


def time_entry_list(*, user: User, filters: Mapping[str, str] | None = None) -> QuerySet[TimeEntry]:
    """Entries the user may see (own, team for supervisors, all for admins), filtered."""
    from staff.filters import TimeEntryFilterSet

    return filtered(TimeEntryFilterSet, filters, _time_entries_visible(user=user))


def time_entry_get(*, user: User, entry_id: int) -> TimeEntry:
    """One visible entry. Raises Http404 for entries the user may not see."""
    entry = _time_entries_visible(user=user).filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such time entry.")
    return entry


def week_view(*, user: User, day: dt.date) -> WeekView:
    """The user's workweek containing ``day``: entries, day totals and the stored figures.

    Raises DomainError when the user has no grade (so no rule and no workweek).
    """
    start, rule = rules.week_for(user=user, day=day)
    end = start + dt.timedelta(days=6)
    entries = list(
        TimeEntry.objects.filter(user=user, work_date__range=(start, end))
        .select_related("location")
        .order_by("work_date", "pk")
    )
    per_day = {start + dt.timedelta(days=n): Decimal("0") for n in range(7)}
    leave = Decimal("0")
    for entry in entries:
        per_day[entry.work_date] += entry.hours
        if entry.kind == TimeEntryKind.LEAVE:
            leave += entry.hours
    timesheet = Timesheet.objects.filter(user=user, week_start=start).select_related("rule").first()
    return WeekView(start, end, rule, entries, timesheet, list(per_day.items()), leave)


def _timesheets_visible(*, user: User) -> QuerySet[Timesheet]:
    timesheets = Timesheet.objects.select_related("user", "user__profile", "rule", "signed_off_by")
    visible = _pay_visible(user=user)
    return timesheets if visible is None else timesheets.filter(visible)


def timesheet_list(*, user: User, filters: Mapping[str, str] | None = None) -> QuerySet[Timesheet]:
    """Timesheets the user may see: own; the team's for their supervisor and the supervisor's
    active delegate; all for admins. Newest week first."""
    from staff.filters import TimesheetFilterSet

    timesheets = _timesheets_visible(user=user).order_by("-week_start", "user__last_name", "pk")
    return filtered(TimesheetFilterSet, filters, timesheets)


def team_timesheet_list(*, user: User, filters: Mapping[str, str] | None = None) -> QuerySet[Timesheet]:
    """The weeks a supervisor (or admin) reviews: visible timesheets other than their own."""
    return timesheet_list(user=user, filters=filters).exclude(user=user)


def timesheet_get(*, user: User, timesheet_id: int) -> Timesheet:
    """One visible timesheet. Raises Http404 for weeks the user may not see."""
    timesheet = _timesheets_visible(user=user).filter(pk=timesheet_id).first()
    if timesheet is None:
        raise Http404("No such timesheet.")
    return timesheet


def timesheet_entries(*, timesheet: Timesheet) -> QuerySet[TimeEntry]:
    end = timesheet.week_start + dt.timedelta(days=6)
    return (
        TimeEntry.objects.filter(user_id=timesheet.user_id, work_date__range=(timesheet.week_start, end))
        .select_related("location")
        .order_by("work_date", "pk")
    )


def licence_expiring_for(*, supervisor: User, today: dt.date | None = None) -> QuerySet[StaffProfile]:
    """Team members whose driver's licence expires within 30 days or has already expired.

    An administrator sees every active staff member's; soonest expiry first.
    """
    today = today or timezone.localdate()
    profiles = StaffProfile.objects.select_related("user").filter(
        user__is_active=True, licence_expires_on__lte=today + dt.timedelta(days=LICENCE_WARNING_DAYS)
    )
    if not account_permissions.is_admin(supervisor):
        profiles = profiles.filter(supervisor=supervisor)
    return profiles.order_by("licence_expires_on", "user__last_name")


def payroll_timesheets(*, user: User, date_from: dt.date, date_to: dt.date) -> QuerySet[Timesheet]:
    """Signed-off timesheets whose week starts between the two dates (inclusive), for export.

    Raises PermissionDenied for anyone but administrators; the rows are narrowed to the weeks the
    user may see all the same, so pay never reaches a caller through this selector alone.
    """
    if not staff_permissions.can_export_payroll(user):
        raise PermissionDenied
    return (
        _timesheets_visible(user=user)
        .filter(status=TimesheetStatus.SIGNED_OFF, week_start__range=(date_from, date_to))
        .select_related(None)
        .select_related("user", "user__profile", "rule")
        .order_by("week_start", "user__profile__employee_id", "pk")
    )


class PayrollRow(NamedTuple):
    """One signed-off week as payroll reads it; the field names are the CSV's header."""

    employee_id: str
    name: str
    week_start: dt.date
    worked_hours: Decimal
    overtime_hours_approved: Decimal
    overtime_hours_unapproved: Decimal
    overtime_pay: Decimal
    comp_time_hours: Decimal
    mileage: Decimal
    rule_id: int
    rule_effective_from: dt.date


def payroll_rows(*, user: User, date_from: dt.date, date_to: dt.date) -> Iterator[PayrollRow]:
    """``payroll_timesheets`` as rows of columns, for the payroll page and its CSV.

    Read as values, not as timesheets with their user, profile and rule: a district's five weeks
    are 450 timesheets, and building 1,800 model instances cost more than the query. The name is
    ``User.get_full_name()``, else the username; no staff profile leaves the employee ID empty.
    Raises PermissionDenied as ``payroll_timesheets`` does, when called.
    """
    columns = payroll_timesheets(user=user, date_from=date_from, date_to=date_to).values_list(
        "user__profile__employee_id",
        "user__first_name",
        "user__last_name",
        "user__username",
        "week_start",
        "total_hours",
        "overtime_hours_approved",
        "overtime_hours_unapproved",
        "overtime_pay",
        "comp_time_hours",
        "mileage",
        "rule_id",
        "rule__effective_from",
    )
    # A generator expression, not a generator function: the permission check above runs now.
    return (
        PayrollRow._make((employee_id or "", User.name_of(first_name, last_name, username), *figures))
        for employee_id, first_name, last_name, username, *figures in columns.iterator(chunk_size=500)
    )
