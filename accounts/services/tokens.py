"""API tokens: created and revoked by their owner (django-rest-knox keeps only a digest)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from accounts import selectors
from accounts.models import User
from core.exceptions import DomainError


@transaction.atomic
def token_create(*, user: User) -> tuple[AuthToken, str]:
    """Create an API token for ``user``, expiring after REST_KNOX's TOKEN_TTL.

    Returns the stored row and the token itself: the only time the token exists in clear, as the
    database keeps its SHA-512 digest. Deletes the user's expired tokens. Raises DomainError when
    the user already holds TOKEN_LIMIT_PER_USER unexpired tokens.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time per user
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()  # refused already
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and selectors.token_list(user=user).count() >= limit:
        raise DomainError(f"You already have {limit} API tokens. Revoke one you no longer use first.")
    token, key = AuthToken.objects.create(user=user)
    return token, key


@transaction.atomic
def token_revoke(*, token: AuthToken, revoked_by: User) -> None:
    """Delete ``token`` so it stops working at once. Only its owner revokes it here (an
    administrator can delete any token in the admin); raises PermissionDenied for anyone else."""
    if token.user_id != revoked_by.pk:
        raise PermissionDenied
    AuthToken.objects.filter(digest=token.digest).delete()
