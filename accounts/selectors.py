"""Reads about people: roles, teams and what each role's home page shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from accounts.choices import Role
from accounts.models import OvertimeRequest, StaffGrade, User


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
