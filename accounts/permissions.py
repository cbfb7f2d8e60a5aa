"""Who may sign in where: roles, the API and the admin. Predicates, the API's default permission
class and the API's signed-in user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from accounts.choices import Role
from accounts.models import User

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


def has_any_role(user: User | AnonymousUser, *roles: Role) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(user.has_role(role) for role in roles)


def can_use_api(user: User | AnonymousUser) -> bool:
    """Anyone who holds a role; an account without one sees nothing."""
    return has_any_role(user, *Role)


def can_use_admin(user: User | AnonymousUser) -> bool:
    """The Django admin: administrators whose account is also marked as staff."""
    return has_any_role(user, Role.ADMIN) and user.is_staff


def is_admin(user: User | AnonymousUser) -> bool:
    return has_any_role(user, Role.ADMIN)


class HasAnyRole(BasePermission):
    """Default deny: a signed-in account with no role reaches no endpoint."""

    message = "Your account has no role. Ask an administrator to give you one."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_use_api(request.user)


def signed_in_user(request: Request) -> User:
    """The API caller as a ``User``; NotAuthenticated (401) for an anonymous request.

    Every API view's permissions already require a signed-in user, so this narrows the type
    once instead of each module asserting it.
    """
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def can_unlock_sign_ins(user: User | AnonymousUser) -> bool:
    """Lifting a sign-in lockout before its cool-off: district administrators."""
    return is_admin(user)
