"""What every page shows around its content: the navigation, and the home page's figures per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts import permissions as account_permissions
from accounts import selectors as account_selectors
from accounts.choices import Role
from accounts.models import StaffGrade, User
from fleet import permissions as fleet_permissions
from fleet.models import Device, Location
from forecasting import permissions as forecast_permissions
from repairs import permissions as repair_permissions
from repairs import selectors as repair_selectors
from repairs.choices import OPEN_PURCHASE_ORDER_STATUSES, OPEN_TICKET_STATUSES
from repairs.models import PurchaseOrder, Ticket
from staff import permissions as staff_permissions
from staff.models import (
    OvertimeRequest,
)
from students import permissions as student_permissions


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    """A top-level menu entry: one link, or a dropdown of the group's links."""

    label: str
    items: list[NavItem]


# Each page's place in the compact menu: the bar shows one entry per group (a dropdown when the
# group holds more than one page the user may open), so no role's menu wraps at 1280 px.
NAV_GROUPS = {
    "Devices": "Devices",
    "Scan": "Devices",
    "Loaners": "Devices",
    "Reports": "Devices",
    "Import": "Devices",
    "Students": "Students",
    "Hand out": "Students",
    "Collect": "Students",
    "Agreement": "Students",
    "Charges": "Students",
    "Tickets": "Repairs",
    "Parts": "Repairs",
    "Purchasing": "Repairs",
    "Forecast": "Forecast",
    "Suggested orders": "Forecast",
    "Forecast accuracy": "Forecast",
    "Refresh plan": "Forecast",
    "My week": "Time",
    "Overtime": "Time",
    "Approvals": "Time",
    "Timesheets": "Time",
    "Payroll": "Time",
    "API": "Admin",
    "Sign-in lockouts": "Admin",
    "Admin": "Admin",
}


def navigation_groups(items: list[NavItem]) -> list[NavGroup]:
    """The flat navigation folded into the menu's groups, in first-appearance order."""
    groups: dict[str, list[NavItem]] = {}
    for item in items:
        groups.setdefault(item.group or item.label, []).append(item)
    return [NavGroup(label, members) for label, members in groups.items()]


def navigation_for(*, user: User) -> list[NavItem]:
    """The entries the user may open, each one asked of the app that owns the page.

    The predicates check roles only (one cached query for the user's groups), because the bar is
    rendered on every page.
    """
    entries: list[tuple[bool, str, str]] = [
        (True, "Home", reverse("portal:home")),
        (fleet_permissions.can_view_devices(user), "Devices", reverse("fleet:device_list")),
        (fleet_permissions.can_change_device(user), "Scan", reverse("fleet:scan_vehicle")),
        (repair_permissions.can_lend_loaners(user), "Loaners", reverse("loans:loaner_pool_list")),
        (fleet_permissions.can_view_fleet_reports(user), "Reports", reverse("fleet:readiness_report")),
        (fleet_permissions.can_import_devices(user), "Import", reverse("fleet:device_import")),
        (fleet_permissions.can_import_devices(user), "Google sync", reverse("fleet:google_sync")),
        (student_permissions.can_view_students(user), "Students", reverse("students:student_list")),
        (student_permissions.can_hand_out_devices(user), "Hand out", reverse("students:handout_scan")),
        (student_permissions.can_hand_out_devices(user), "Collect", reverse("students:collect_scan")),
        (
            student_permissions.can_edit_one_to_one_policy(user),
            "Agreement",
            reverse("students:agreement_list"),
        ),
        (student_permissions.can_manage_charges(user), "Charges", reverse("students:charge_list")),
        (repair_permissions.can_view_tickets(user), "Tickets", reverse("repairs:ticket_list")),
        (staff_permissions.can_use_overtime_pages(user), "Overtime", reverse("staff:overtime_mine")),
        (staff_permissions.can_review_team_overtime(user), "Approvals", reverse("staff:overtime_queue")),
        (staff_permissions.can_log_own_time(user), "My week", reverse("staff:time_entry_week")),
        (staff_permissions.can_view_team_timesheets(user), "Timesheets", reverse("staff:timesheet_team")),
        (staff_permissions.can_export_payroll(user), "Payroll", reverse("staff:timesheet_payroll")),
        (repair_permissions.can_view_stock(user), "Parts", reverse("repairs:part_list")),
        (
            repair_permissions.can_view_purchase_orders(user),
            "Purchasing",
            reverse("repairs:purchase_order_list"),
        ),
    ]
    if forecast_permissions.can_view_forecasts(user):
        entries += [
            (True, "Forecast", reverse("forecasting:forecast_list")),
            (True, "Suggested orders", reverse("forecasting:suggestion_list")),
            (True, "Forecast accuracy", reverse("forecasting:forecast_accuracy")),
            (True, "Refresh plan", reverse("forecasting:refresh_plan")),
        ]
    entries += [
        (account_permissions.can_use_api(user), "API", "/api/docs/"),
        (account_permissions.can_unlock_sign_ins(user), "Sign-in lockouts", reverse("accounts:lockout_list")),
        (account_permissions.can_use_admin(user), "Admin", "/admin/"),
    ]
    return [NavItem(label, url, NAV_GROUPS.get(label, "")) for allowed, label, url in entries if allowed]


def home_summary(*, user: User) -> dict[str, object]:
    """Figures for the home page, one block per role the user holds."""
    roles = account_selectors.user_roles(user=user)
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
        # Counted per school by two correlated subqueries on indexed columns: joining devices and
        # tickets together multiplied them (a school's 1,200 devices x 5,000 tickets) before
        # counting them DISTINCT, 0.8 s at district scale.
        schools = Location.objects.filter(pk__in=school_ids).annotate(
            device_count=repair_selectors.count_at_location(Device.objects.all(), "location"),
            open_tickets=repair_selectors.count_at_location(
                Ticket.objects.filter(status__in=OPEN_TICKET_STATUSES), "location"
            ),
        )
        blocks[Role.SCHOOL_ADMIN] = {"schools": list(schools)}
    if Role.ADMIN in roles:
        blocks[Role.ADMIN] = {
            "users": User.objects.filter(is_active=True).count(),
            "locations": Location.objects.count(),
            "devices": Device.objects.count(),
        }
    return {"roles": sorted(roles), "blocks": blocks}
