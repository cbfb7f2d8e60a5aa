"""Reads about people: their roles and their teams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from knox.models import AuthToken

from accounts.choices import LockoutKind, Role
from accounts.models import User
from core.exceptions import DomainError


def user_roles(*, user: User) -> set[str]:
    """Names of the roles the user holds; superusers hold every role."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {role.value for role in Role}
    return {name for name in user.groups.values_list("name", flat=True) if name in Role.values}


def team_members(*, supervisor: User) -> QuerySet[User]:
    return User.objects.filter(profile__supervisor=supervisor, is_active=True)


# API tokens -----------------------------------------------------------------------------------


def token_list(*, user: User) -> QuerySet[AuthToken]:
    """The user's own unexpired API tokens, newest first."""
    unexpired = Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
    return AuthToken.objects.filter(unexpired, user=user).order_by("-created")


def token_get(*, user: User, token_key: str) -> AuthToken:
    """One of the user's own unexpired tokens by its public prefix; Http404 for any other."""
    token = token_list(user=user).filter(token_key=token_key).first()
    if token is None:
        raise Http404("No such API token.")
    return token


# Sign-in lockouts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    kind: LockoutKind
    value: str
    failures: int
    last_failure: dt.datetime

    @property
    def ends_at(self) -> dt.datetime:
        cooloff: dt.timedelta = settings.AXES_COOLOFF_TIME
        return self.last_failure + cooloff


def lockout_list() -> list[Lockout]:
    """Usernames and addresses locked out now: AXES_FAILURE_LIMIT or more failed sign-ins within
    the cool-off (counted as axes counts them), the most recent first."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    lockouts: list[Lockout] = []
    for kind in LockoutKind:
        rows = (
            recent.exclude(**{f"{kind.value}__isnull": True})
            .values(kind.value)
            .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        )
        lockouts += [Lockout(kind, row[kind.value], row["failures"], row["last_failure"]) for row in rows]
    return sorted(lockouts, key=lambda lockout: lockout.last_failure, reverse=True)


# Google sign-in -------------------------------------------------------------------------------


def google_sign_in_user(*, email: str, email_verified: bool, hosted_domain: str) -> User:
    """The district account a Google sign-in enters: the one active user whose email is the
    address Google verified, of GOOGLE_OAUTH_HOSTED_DOMAIN when that is set (both the address and
    Google's ``hd`` claim). Never creates one. Raises DomainError saying why when there is none."""
    required_domain: str = settings.GOOGLE_SIGN_IN_HOSTED_DOMAIN
    email = email.strip()
    if not email or not email_verified:
        raise DomainError("Google did not confirm an email address for that account.")
    if required_domain and (
        email.rpartition("@")[2].lower() != required_domain or hosted_domain.lower() != required_domain
    ):
        raise DomainError(f"Use your {required_domain} Google account.")
    users = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
    if len(users) != 1:
        raise DomainError(
            f"No district account uses {email}. Sign in with your username, or ask an administrator "
            "to put this address on your account."
        )
    return users[0]
