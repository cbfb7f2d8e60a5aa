"""Reads about people: roles, teams and what each role's home page shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.models import User

if TYPE_CHECKING:
    pass


def user_roles(*, user: User) -> set[str]:
    """Names of the roles the user holds; superusers hold every role."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {role.value for role in Role}
    return {name for name in user.groups.values_list("name", flat=True) if name in Role.values}


def team_members(*, supervisor: User) -> QuerySet[User]:
    return User.objects.filter(profile__supervisor=supervisor, is_active=True)


# Overtime ---------------------------------------------------------------------------------------


# Time and pay ---------------------------------------------------------------------------------
# Visibility mirrors accounts.permissions: own time; a supervisor's team; everything for an
# administrator; procurement reads signed-off timesheets only (for payroll), never entries.
