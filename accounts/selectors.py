"""Reads about people: roles, teams and what each role's home page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as account_permissions
from accounts import rules
from accounts.choices import OvertimeRequestStatus, Role, TimeEntryKind, TimesheetStatus
from accounts.models import (
    OvertimeDelegation,
    OvertimeRequest,
    OvertimeRequestEvent,
    OvertimeRule,
    StaffGrade,
    StaffProfile,
    TimeEntry,
    Timesheet,
    User,
)
from core.exceptions import DomainError

if TYPE_CHECKING:
    from repairs.models import Ticket


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def user_roles(*, user: User) -> set[str]:
    """Names of the roles the user holds; superusers hold every role."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {role.value for role in Role}
    return {name for name in user.groups.values_list("name", flat=True) if name in Role.values}


def navigation_for(*, user: User) -> list[NavItem]:
    roles = user_roles(user=user)
    from fleet import permissions as fleet_permissions

    items = [NavItem("Home", reverse("core:home"))]
    if fleet_permissions.can_view_devices(user):
        items.append(NavItem("Devices", reverse("fleet:device_list")))
    if fleet_permissions.can_change_device(user):
        items.append(NavItem("Scan", reverse("fleet:scan_vehicle")))
        items.append(NavItem("Loaners", reverse("fleet:loaner_pool_list")))
    if fleet_permissions.can_view_fleet_reports(user):
        items.append(NavItem("Reports", reverse("fleet:readiness_report")))
    if fleet_permissions.can_import_devices(user):
        items.append(NavItem("Import", reverse("fleet:device_import")))
    if roles & {Role.TECHNICIAN, Role.SUPERVISOR, Role.PROCUREMENT, Role.ADMIN, Role.SCHOOL_ADMIN}:
        items.append(NavItem("Tickets", reverse("repairs:ticket_list")))
    # Role checks only (no query): the bar renders on every page.
    if roles & {Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN}:
        items.append(NavItem("Overtime", reverse("accounts:overtime_mine")))
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        items.append(NavItem("Approvals", reverse("accounts:overtime_queue")))
    # Staff grades belong to technicians and supervisors; a role check keeps the bar query-free.
    if roles & {Role.TECHNICIAN, Role.SUPERVISOR}:
        items.append(NavItem("My week", reverse("accounts:time_entry_week")))
    if roles & {Role.SUPERVISOR, Role.ADMIN}:
        items.append(NavItem("Timesheets", reverse("accounts:timesheet_team")))
    if roles & {Role.PROCUREMENT, Role.ADMIN}:
        items.append(NavItem("Payroll", reverse("accounts:timesheet_payroll")))
    if roles & {Role.TECHNICIAN, Role.SUPERVISOR, Role.PROCUREMENT, Role.ADMIN}:
        items.append(NavItem("Parts", reverse("repairs:part_list")))
    if roles & {Role.PROCUREMENT, Role.ADMIN}:
        items.append(NavItem("Purchasing", reverse("repairs:purchase_order_list")))
    # The same roles as forecasting.permissions.can_view_forecasts, checked without a query.
    if roles & {Role.PROCUREMENT, Role.SUPERVISOR, Role.ADMIN}:
        items.append(NavItem("Forecast", reverse("forecasting:forecast_list")))
        items.append(NavItem("Suggested orders", reverse("forecasting:suggestion_list")))
        items.append(NavItem("Forecast accuracy", reverse("forecasting:forecast_accuracy")))
        items.append(NavItem("Refresh plan", reverse("forecasting:refresh_plan")))
    if roles:
        items.append(NavItem("API", "/api/docs/"))
    if Role.ADMIN in roles and user.is_staff:
        items.append(NavItem("Admin", "/admin/"))
    return items


def home_summary(*, user: User) -> dict[str, object]:
    """Figures for the home page, one block per role the user holds."""
    from fleet.models import Device, Location
    from repairs.choices import OPEN_PURCHASE_ORDER_STATUSES
    from repairs.models import PurchaseOrder, Ticket

    roles = user_roles(user=user)
    blocks: dict[str, dict[str, object]] = {}
    if Role.TECHNICIAN in roles:
        blocks[Role.TECHNICIAN] = {
            "open_tickets_assigned": Ticket.objects.open().filter(assignee=user).count(),
            "devices_in_custody": Device.objects.filter(custodian=user).count(),
            "grade": StaffGrade.objects.filter(profiles__user=user).first(),
        }
    if Role.SUPERVISOR in roles:
        blocks[Role.SUPERVISOR] = {
            "pending_overtime": OvertimeRequest.objects.pending()
            .filter(requester__profile__supervisor=user)
            .count(),
            "team_size": User.objects.filter(profile__supervisor=user, is_active=True).count(),
        }
    if Role.PROCUREMENT in roles:
        blocks[Role.PROCUREMENT] = {
            "open_purchase_orders": PurchaseOrder.objects.filter(
                status__in=OPEN_PURCHASE_ORDER_STATUSES
            ).count(),
        }
    if Role.SCHOOL_ADMIN in roles:
        school_ids = (
            list(user.profile.locations.values_list("pk", flat=True)) if hasattr(user, "profile") else []
        )
        schools = Location.objects.filter(pk__in=school_ids).annotate(
            device_count=Count("devices"),
            open_tickets=Count("tickets", filter=Q(tickets__status__in=_open_statuses()), distinct=True),
        )
        blocks[Role.SCHOOL_ADMIN] = {"schools": list(schools)}
    if Role.ADMIN in roles:
        blocks[Role.ADMIN] = {
            "users": User.objects.filter(is_active=True).count(),
            "locations": Location.objects.count(),
            "devices": Device.objects.count(),
        }
    return {"roles": sorted(roles), "blocks": blocks}


def _open_statuses() -> tuple[str, ...]:
    from repairs.choices import OPEN_TICKET_STATUSES

    return tuple(OPEN_TICKET_STATUSES)


def team_members(*, supervisor: User) -> QuerySet[User]:
    return User.objects.filter(profile__supervisor=supervisor, is_active=True)


# Overtime ---------------------------------------------------------------------------------------


def _overtime_supervisor_ids(*, user: User) -> list[int]:
    """Supervisors whose team ``user`` decides for today: themself plus whoever delegated to them."""
    today = timezone.localdate()
    delegators = OvertimeDelegation.objects.filter(
        delegate=user, starts_on__lte=today, ends_on__gte=today
    ).values_list("supervisor_id", flat=True)
    return [user.pk, *delegators]


def _overtime_requests() -> QuerySet[OvertimeRequest]:
    return OvertimeRequest.objects.select_related(
        "requester", "rule", "location", "decided_by", "requester__profile__grade"
    )


def overtime_queue_for(*, user: User) -> QuerySet[OvertimeRequest]:
    """Pending requests ``user`` may decide, oldest work date first; never their own.

    Administrators see every pending request; supervisors their team's; delegates also the team
    of each supervisor whose delegation to them covers today.
    """
    requests = _overtime_requests().filter(status=OvertimeRequestStatus.PENDING).exclude(requester=user)
    if not account_permissions.has_any_role(user, Role.ADMIN):
        requests = requests.filter(requester__profile__supervisor__in=_overtime_supervisor_ids(user=user))
    return requests.prefetch_related("tickets").order_by("work_date", "created_at", "pk")


def overtime_emergencies_to_review(*, user: User) -> QuerySet[OvertimeRequest]:
    """Decided emergency requests ``user`` may review and nobody has reviewed yet."""
    requests = (
        _overtime_requests()
        .filter(
            is_emergency=True,
            emergency_reviewed_at__isnull=True,
            status__in=[OvertimeRequestStatus.APPROVED, OvertimeRequestStatus.DENIED],
        )
        .exclude(requester=user)
    )
    if not account_permissions.has_any_role(user, Role.ADMIN):
        requests = requests.filter(requester__profile__supervisor__in=_overtime_supervisor_ids(user=user))
    return requests.prefetch_related("tickets").order_by("work_date", "pk")


def overtime_request_list(
    *, user: User, filters: Mapping[str, str] | None = None
) -> QuerySet[OvertimeRequest]:
    """Requests ``user`` may see: their own, their team's (and delegated teams'), all for admins."""
    from accounts.filters import OvertimeRequestFilterSet

    requests = _overtime_requests().prefetch_related("tickets")
    if not account_permissions.has_any_role(user, Role.ADMIN):
        requests = requests.filter(
            Q(requester=user) | Q(requester__profile__supervisor__in=_overtime_supervisor_ids(user=user))
        )
    return OvertimeRequestFilterSet(filters or {}, queryset=requests).qs


def overtime_request_mine(*, user: User) -> QuerySet[OvertimeRequest]:
    """The user's own requests, newest work date first."""
    return _overtime_requests().prefetch_related("tickets").filter(requester=user)


def overtime_request_get(*, user: User, request_id: int) -> OvertimeRequest:
    """One visible request; Http404 when it does not exist or ``user`` may not see it."""
    try:
        return overtime_request_list(user=user).get(pk=request_id)
    except OvertimeRequest.DoesNotExist as exc:
        raise Http404("No such overtime request.") from exc


def overtime_request_events(*, overtime_request: OvertimeRequest) -> QuerySet[OvertimeRequestEvent]:
    """The request's history, oldest first, each with the rule version it was made under."""
    return overtime_request.events.select_related("actor", "rule").order_by("occurred_at", "pk")


def overtime_rule_history() -> QuerySet[OvertimeRule]:
    """Every rule version, latest effective date first, then by grade."""
    return OvertimeRule.objects.select_related("created_by").order_by("-effective_from", "grade_min", "pk")


def overtime_rules_in_force(*, on: dt.date) -> dict[int, OvertimeRule]:
    """For each grade on the ladder, the rule in force on ``on`` (grades no rule covers are left out)."""
    in_force: dict[int, OvertimeRule] = {}
    for grade in StaffGrade.objects.values_list("grade", flat=True):
        try:
            in_force[grade] = rules.rule_in_force(grade=grade, on=on)
        except DomainError:
            continue
    return in_force


def overtime_ticket_choices(*, user: User) -> QuerySet[Ticket]:
    """Open tickets assigned to ``user``: what an overtime request may say it is for."""
    from repairs.models import Ticket

    return Ticket.objects.open().filter(assignee=user).select_related("device").order_by("pk")


def overtime_delegates_for(*, supervisor: User) -> QuerySet[User]:
    """People a supervisor may name as delegate: other active supervisors and administrators."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR, Role.ADMIN])
        .exclude(pk=supervisor.pk)
        .distinct()
    )


def overtime_delegations_given(*, supervisor: User) -> QuerySet[OvertimeDelegation]:
    """The supervisor's delegations that have not ended, soonest first."""
    return (
        OvertimeDelegation.objects.filter(supervisor=supervisor, ends_on__gte=timezone.localdate())
        .select_related("delegate")
        .order_by("starts_on", "pk")
    )


# Time and pay ---------------------------------------------------------------------------------
# Visibility mirrors accounts.permissions: own time; a supervisor's team; everything for an
# administrator; procurement reads signed-off timesheets only (for payroll), never entries.

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


def _time_entries_visible(*, user: User) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.select_related("user", "location").order_by("-work_date", "pk")
    if account_permissions.is_admin(user):
        return entries
    visible = Q(user=user)
    if account_permissions.has_any_role(user, Role.SUPERVISOR):
        visible |= Q(user__profile__supervisor=user)
    return entries.filter(visible)


def time_entry_list(*, user: User, filters: Mapping[str, str] | None = None) -> QuerySet[TimeEntry]:
    """Entries the user may see (own, team for supervisors, all for admins), filtered."""
    from accounts.time_filters import TimeEntryFilterSet

    return TimeEntryFilterSet(filters or {}, queryset=_time_entries_visible(user=user)).qs


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
    from accounts.timesheets import week_for

    start, rule = week_for(user=user, day=day)
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
    if account_permissions.is_admin(user):
        return timesheets
    visible = Q(user=user)
    if account_permissions.has_any_role(user, Role.SUPERVISOR):
        visible |= Q(user__profile__supervisor=user)
    if account_permissions.has_any_role(user, Role.PROCUREMENT):
        visible |= Q(status=TimesheetStatus.SIGNED_OFF)
    return timesheets.filter(visible)


def timesheet_list(*, user: User, filters: Mapping[str, str] | None = None) -> QuerySet[Timesheet]:
    """Timesheets the user may see: own; team for supervisors; all for admins; signed-off for
    procurement. Newest week first."""
    from accounts.time_filters import TimesheetFilterSet

    timesheets = _timesheets_visible(user=user).order_by("-week_start", "user__last_name", "pk")
    return TimesheetFilterSet(filters or {}, queryset=timesheets).qs


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

    Raises PermissionDenied for anyone but procurement and administrators.
    """
    if not account_permissions.can_export_payroll(user):
        raise PermissionDenied
    return (
        Timesheet.objects.filter(status=TimesheetStatus.SIGNED_OFF, week_start__range=(date_from, date_to))
        .select_related("user", "user__profile", "rule")
        .order_by("week_start", "user__profile__employee_id", "pk")
    )
