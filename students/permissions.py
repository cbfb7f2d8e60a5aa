"""Who may see students and do one-to-one work. Predicates only; which students a user sees is
``StudentQuerySet.visible_to`` (school administrators: their own schools)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import has_any_role

# The roles that hand devices to students and collect them back. Procurement never sees students.
STUDENT_WORKERS = (Role.TECHNICIAN, Role.SUPERVISOR, Role.SCHOOL_ADMIN, Role.ADMIN)


def can_view_students(user: User | AnonymousUser) -> bool:
    return has_any_role(user, *STUDENT_WORKERS)


def can_hand_out_devices(user: User | AnonymousUser) -> bool:
    """Hand devices and accessories to students and collect them back."""
    return has_any_role(user, *STUDENT_WORKERS)


def can_import_rosters(user: User | AnonymousUser) -> bool:
    return has_any_role(user, Role.SUPERVISOR, Role.ADMIN)


def can_manage_charges(user: User | AnonymousUser) -> bool:
    """Set, waive and take payments for damage charges, and override a hold."""
    return has_any_role(user, Role.SUPERVISOR, Role.SCHOOL_ADMIN, Role.ADMIN)


def can_edit_one_to_one_policy(user: User | AnonymousUser) -> bool:
    """The agreement text, the fee schedule, the hold and the collection windows."""
    return has_any_role(user, Role.SUPERVISOR, Role.ADMIN)
