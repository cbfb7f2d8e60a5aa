"""Google sign-in (django-allauth, only when config/settings/google_sign_in.py turns it on): it
signs in an existing district account and never creates one.

These adapters are allauth's hooks into the flow; the rule of which account a Google identity
enters is ``selectors.google_sign_in_user``. Every refusal returns to the sign-in page with the
reason on it.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect

from accounts import selectors
from core.exceptions import DomainError


def _refuse(request: HttpRequest, message: str) -> ImmediateHttpResponse:
    messages.error(request, message)
    return ImmediateHttpResponse(redirect("accounts:login"))


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # accounts come from the district's administrators only


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Enter the district account matching the verified Google address; link the Google
        identity to it the first time, so a changed email on either side is noticed."""
        claims: dict[str, Any] = sociallogin.account.extra_data or {}
        try:
            user = selectors.google_sign_in_user(
                email=str(claims.get("email", "")),
                email_verified=bool(claims.get("email_verified")),
                hosted_domain=str(claims.get("hd", "")),
            )
        except DomainError as exc:
            raise _refuse(request, str(exc)) from exc
        if sociallogin.is_existing:
            if sociallogin.user.pk != user.pk:
                raise _refuse(request, "This Google account is linked to another district account.")
            return
        sociallogin.connect(request, user)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        raise _refuse(request, "Google sign-in did not complete. Try again, or sign in with your username.")
