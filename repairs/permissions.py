"""Who may do what with tickets, parts, stock and purchase orders. Predicates only."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import has_any_role
from fleet.models import Device, Location
from repairs.models import Ticket

REPAIR_WORKERS = (Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN)


# Tickets ---------------------------------------------------------------------------------------
# Rows a user may see are narrowed by TicketQuerySet.visible_to; these say what a role may do.

TICKET_VIEWERS = (*REPAIR_WORKERS, Role.PROCUREMENT, Role.SCHOOL_ADMIN)


def can_view_tickets(user: User | AnonymousUser) -> bool:
    """The ticket list and API: district staff see all, school administrators their schools'."""
    return has_any_role(user, *TICKET_VIEWERS)


def can_view_ticket(user: User | AnonymousUser, ticket: Ticket) -> bool:
    return can_view_tickets(user) and Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()


def can_work_tickets(user: User | AnonymousUser) -> bool:
    """Triage, assign, escalate, move through the workflow, hand out loaners, bulk intake."""
    return has_any_role(user, *REPAIR_WORKERS)


def can_work_ticket(user: User | AnonymousUser, ticket: Ticket) -> bool:
    return can_work_tickets(user)


def can_lend_loaners(user: User | AnonymousUser) -> bool:
    """The loaner pools: check loaners out against tickets and take them back."""
    return has_any_role(user, *REPAIR_WORKERS)


def can_request_repairs(user: User | AnonymousUser) -> bool:
    """Reach the open-a-ticket page: repair workers, and school administrators for repair requests."""
    return has_any_role(user, *REPAIR_WORKERS, Role.SCHOOL_ADMIN)


def can_open_ticket(user: User | AnonymousUser, device: Device) -> bool:
    """Repair workers open tickets for any device; a school administrator files a repair
    request for a device at one of their own schools."""
    if has_any_role(user, *REPAIR_WORKERS):
        return True
    if has_any_role(user, Role.SCHOOL_ADMIN):
        return Location.objects.visible_to(user).filter(pk=device.location_id).exists()
    return False


def can_be_assigned_tickets(user: User | AnonymousUser) -> bool:
    return has_any_role(user, Role.TECHNICIAN, Role.SUPERVISOR)


# Parts, stock and purchase orders --------------------------------------------------------------
# Technicians, supervisors and admins move parts; supervisors and admins correct counts;
# procurement and admins buy. School administrators see none of it.

STOCK_VIEWERS = (Role.TECHNICIAN, Role.SUPERVISOR, Role.PROCUREMENT, Role.ADMIN)
STOCK_MOVERS = REPAIR_WORKERS
STOCK_ADJUSTERS = (Role.SUPERVISOR, Role.ADMIN)
BUYERS = (Role.PROCUREMENT, Role.ADMIN)


def can_view_stock(user: User | AnonymousUser) -> bool:
    """The parts catalogue, stock levels, the ledger and the usage report."""
    return has_any_role(user, *STOCK_VIEWERS)


def can_move_stock(user: User | AnonymousUser) -> bool:
    """Issue parts to tickets, take them back, transfer between locations, harvest."""
    return has_any_role(user, *STOCK_MOVERS)


def can_adjust_stock(user: User | AnonymousUser) -> bool:
    """Correct a count after a stocktake (always with a reason)."""
    return has_any_role(user, *STOCK_ADJUSTERS)


def can_view_purchase_orders(user: User | AnonymousUser) -> bool:
    return has_any_role(user, *BUYERS)


def can_manage_purchase_orders(user: User | AnonymousUser) -> bool:
    """Create, send, receive and cancel purchase orders."""
    return has_any_role(user, *BUYERS)
