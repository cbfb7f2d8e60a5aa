"""Who may see and change devices. Predicates only; visibility of rows is in DeviceQuerySet."""

from __future__ import annotations

from typing import Protocol

from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from accounts.models import StaffProfile, User
from accounts.permissions import has_any_role


class _Placed(Protocol):
    """A device, as far as these predicates look at it (no import of the models: no cycle)."""

    location_id: int


# Field staff and their leads work on any device in the district; admins manage the inventory.
DEVICE_WORKERS = (Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMIN)


def can_view_devices(user: User | AnonymousUser) -> bool:
    return has_any_role(user, *DEVICE_WORKERS, Role.PROCUREMENT, Role.SCHOOL_ADMIN)


def can_change_device(user: User | AnonymousUser) -> bool:
    """Move, hand over or change the status of a device, and check devices in and out."""
    return has_any_role(user, *DEVICE_WORKERS)


def can_hand_over_device(user: User | AnonymousUser, device: _Placed) -> bool:
    """Hand a device to a person or take it back. Device workers anywhere; a school administrator
    (one-to-one hand-out and collection at school) for a device at one of their own schools."""
    if has_any_role(user, *DEVICE_WORKERS):
        return True
    if has_any_role(user, Role.SCHOOL_ADMIN) and user.pk is not None:
        return StaffProfile.locations.through.objects.filter(
            staffprofile__user_id=user.pk, location_id=device.location_id
        ).exists()
    return False


def can_import_devices(user: User | AnonymousUser) -> bool:
    return has_any_role(user, Role.SUPERVISOR, Role.ADMIN)


def can_see_assignee(user: User | AnonymousUser) -> bool:
    """Student and staff IDs: only the roles that hand devices to people see them."""
    return has_any_role(user, *DEVICE_WORKERS, Role.SCHOOL_ADMIN)


def can_view_fleet_reports(user: User | AnonymousUser) -> bool:
    """Readiness and the AUE refresh plan (school administrators see their own school)."""
    return has_any_role(user, *DEVICE_WORKERS, Role.PROCUREMENT, Role.SCHOOL_ADMIN)


def can_print_labels(user: User | AnonymousUser) -> bool:
    """Asset labels for devices the user sees: the people who handle devices, school
    administrators for their own schools' (a worn label replaced at the school office).
    Procurement buys devices but never labels one in hand."""
    return has_any_role(user, *DEVICE_WORKERS, Role.SCHOOL_ADMIN)


def can_print_new_tags(user: User | AnonymousUser) -> bool:
    """Labels for a range of tags no device has yet: tagging new stock is inventory work."""
    return has_any_role(user, *DEVICE_WORKERS)
