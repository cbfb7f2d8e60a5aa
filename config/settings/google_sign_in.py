"""Google sign-in for district accounts (django-allauth), switched on by the environment.

With ``GOOGLE_OAUTH_CLIENT_ID`` and ``GOOGLE_OAUTH_CLIENT_SECRET`` set, the sign-in page offers
"Sign in with Google"; ``GOOGLE_OAUTH_HOSTED_DOMAIN`` (the district's Google Workspace domain)
restricts it to addresses of that domain. Without them no allauth app, middleware, URL or button
exists. Google sign-in never creates an account: it signs in the active district user whose email
matches the verified Google address (accounts.views.google_sign_in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GoogleSignIn:
    enabled: bool = False
    hosted_domain: str = ""
    installed_apps: list[str] = field(default_factory=list)
    middleware: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


def google_sign_in(env: Mapping[str, str]) -> GoogleSignIn:
    """The apps, middleware and allauth settings Google sign-in needs under ``env``; nothing at
    all unless both the client id and the secret are set."""
    client_id = env.get("GOOGLE_OAUTH_CLIENT_ID", "").strip()
    secret = env.get("GOOGLE_OAUTH_CLIENT_SECRET", "").strip()
    if not (client_id and secret):
        return GoogleSignIn()
    hosted_domain = env.get("GOOGLE_OAUTH_HOSTED_DOMAIN", "").strip().lower()
    google: dict[str, Any] = {
        "APPS": [{"client_id": client_id, "secret": secret, "key": ""}],
        "SCOPE": ["openid", "email", "profile"],
        "AUTH_PARAMS": {"prompt": "select_account", **({"hd": hosted_domain} if hosted_domain else {})},
        "OAUTH_PKCE_ENABLED": True,
    }
    return GoogleSignIn(
        enabled=True,
        hosted_domain=hosted_domain,
        installed_apps=[
            "allauth",
            "allauth.account",
            "allauth.socialaccount",
            "allauth.socialaccount.providers.google",
        ],
        middleware=["allauth.account.middleware.AccountMiddleware"],
        settings={
            "SOCIALACCOUNT_PROVIDERS": {"google": google},
            # allauth's own sign-up, password and email pages stay off: Google only signs in.
            "SOCIALACCOUNT_ONLY": True,
            "ACCOUNT_EMAIL_VERIFICATION": "none",
            "SOCIALACCOUNT_AUTO_SIGNUP": False,
            "SOCIALACCOUNT_EMAIL_AUTHENTICATION": False,
            "SOCIALACCOUNT_STORE_TOKENS": False,
            "SOCIALACCOUNT_LOGIN_ON_GET": False,
            "ACCOUNT_ADAPTER": "accounts.views.google_sign_in.AccountAdapter",
            "SOCIALACCOUNT_ADAPTER": "accounts.views.google_sign_in.SocialAccountAdapter",
        },
    )
