"""Who may do what with people and their time. Predicates only: no queries across apps."""

from django.contrib.auth.models import AnonymousUser

from accounts.choices import Role
from accounts.models import User


def has_any_role(user: User | AnonymousUser, *roles: Role) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(user.has_role(role) for role in roles)


def can_use_api(user: User | AnonymousUser) -> bool:
    """Anyone who holds a role; an account without one sees nothing."""
    return has_any_role(user, *Role)
