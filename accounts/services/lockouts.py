"""Sign-in lockouts (django-axes): an administrator lifts one before its cool-off ends."""

from __future__ import annotations

from axes import utils as axes_utils
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import permissions
from accounts.choices import LockoutKind
from accounts.models import User
from core.exceptions import DomainError


@transaction.atomic
def lockout_clear(*, kind: LockoutKind, value: str, cleared_by: User) -> int:
    """Forget the failed sign-ins of one username or one address, which unlocks it; returns how
    many attempt rows went. Raises PermissionDenied unless ``cleared_by`` may unlock sign-ins."""
    if not permissions.can_unlock_sign_ins(cleared_by):
        raise PermissionDenied
    if not value:  # axes would read an empty value as "every lockout"
        raise DomainError("Say which username or address to unlock.", field="value")
    if kind == LockoutKind.USERNAME:
        return axes_utils.reset(username=value)
    return axes_utils.reset(ip=value)


@transaction.atomic
def lockout_clear_for_password_reset(*, user: User) -> int:
    """Forget the failed sign-ins of a username whose owner has just set a new password through
    the emailed reset link (proof they own the account); an address stays locked."""
    return axes_utils.reset(username=user.get_username())
