"""API token authentication: knox's hashed, expiring tokens under either usual header prefix."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

PREFIXES = (b"token", b"bearer")


class TokenAuthentication(auth.TokenAuthentication):  # type: ignore[misc]
    """``Authorization: Token <key>`` or ``Authorization: Bearer <key>``, checked against the
    SHA-512 digests knox stores; an expired token is refused (and deleted), as is a revoked one or
    one whose user is inactive. Tokens from before knox (DRF's plain ``authtoken``) are refused."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in PREFIXES:
            return None  # no token: session authentication, or anonymous
        if len(parts) != 2 or not parts[1].isascii():
            raise exceptions.AuthenticationFailed("Invalid token.")
        result: tuple[Any, Any] = self.authenticate_credentials(parts[1])
        return result

    def _cleanup_token(self, auth_token: Any) -> bool:
        """Refuse (and delete) this token if it has expired. Knox would also sweep the user's other
        expired tokens here, a query on every request; token_create clears those instead."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema (and the Swagger UI's Authorize button) describes the token header."""

    target_class = "accounts.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from /accounts/tokens/, as 'Bearer <token>' (or 'Token <token>').",
        }
