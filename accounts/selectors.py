"""Reads about people: their roles and their teams."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.choices import Role
from accounts.models import User


def user_roles(*, user: User) -> set[str]:
    """Names of the roles the user holds; superusers hold every role."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {role.value for role in Role}
    return {name for name in user.groups.values_list("name", flat=True) if name in Role.values}


def team_members(*, supervisor: User) -> QuerySet[User]:
    return User.objects.filter(profile__supervisor=supervisor, is_active=True)
