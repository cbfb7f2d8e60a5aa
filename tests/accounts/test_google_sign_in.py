"""Google sign-in: off unless configured; when on, it signs in the existing district account of
the verified address (of the district's domain) and never creates one.

The configured state installs allauth's apps and tables for the test; the one call that would
reach Google (exchanging the code for tokens) answers from the test instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import NoReverseMatch, clear_url_caches, resolve, reverse
from django.utils import timezone

import config.urls
from accounts.models import User
from config.settings.google_sign_in import google_sign_in
from tests.accounts.factories import UserFactory

ENV = {
    "GOOGLE_OAUTH_CLIENT_ID": "fleetdesk-test.apps.googleusercontent.com",
    "GOOGLE_OAUTH_CLIENT_SECRET": "test-secret",
    "GOOGLE_OAUTH_HOSTED_DOMAIN": "District.Example",
}


# The settings function ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"GOOGLE_OAUTH_CLIENT_ID": "id"},
        {"GOOGLE_OAUTH_CLIENT_SECRET": "s"},
        {"GOOGLE_OAUTH_CLIENT_ID": " "},
    ],
)
def test_google_sign_in_without_client_id_and_secret_adds_nothing(env: dict[str, str]):
    configured = google_sign_in(env)

    assert not configured.enabled
    assert (configured.installed_apps, configured.middleware, configured.settings) == ([], [], {})


def test_google_sign_in_with_client_id_and_secret_installs_allauth_for_google_only():
    configured = google_sign_in(ENV)

    assert configured.enabled
    assert configured.hosted_domain == "district.example"
    assert "allauth.socialaccount.providers.google" in configured.installed_apps
    assert configured.middleware == ["allauth.account.middleware.AccountMiddleware"]
    google = configured.settings["SOCIALACCOUNT_PROVIDERS"]["google"]
    assert google["APPS"][0]["client_id"] == ENV["GOOGLE_OAUTH_CLIENT_ID"]
    assert google["AUTH_PARAMS"]["hd"] == "district.example"
    assert configured.settings["SOCIALACCOUNT_AUTO_SIGNUP"] is False


# Not configured (the test settings set no Google variables) ---------------------------------


@pytest.mark.django_db
def test_without_google_variables_nothing_of_allauth_is_active(client: Client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert "Sign in with Google" not in page
    assert not [app for app in settings.INSTALLED_APPS if app.startswith("allauth")]
    assert not [m for m in settings.MIDDLEWARE if m.startswith("allauth")]
    with pytest.raises(NoReverseMatch):
        reverse("google_login")


# Configured ----------------------------------------------------------------------------------


def _reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


# allauth's tables are made and dropped per test, so these tests commit; serialized_rollback
# restores the database the other tests expect afterwards, as every committing test here does.
configured_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def google_configured() -> Iterator[None]:
    configured = google_sign_in(ENV)
    # allauth's admin modules register its models on the admin site when imported; put the
    # registry back afterwards, or the admin index of every later test looks for apps now gone.
    admin_registry = dict(admin.site._registry)
    middleware = [*settings.MIDDLEWARE[:-1], *configured.middleware, settings.MIDDLEWARE[-1]]
    # Middleware first: allauth's app checks for its middleware as it is installed.
    with (
        override_settings(
            MIDDLEWARE=middleware,
            GOOGLE_SIGN_IN_ENABLED=True,
            GOOGLE_SIGN_IN_HOSTED_DOMAIN=configured.hosted_domain,
            **configured.settings,
        ),
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, *configured.installed_apps]),
    ):
        _reload_urls()
        call_command("migrate", "account", verbosity=0)
        call_command("migrate", "socialaccount", verbosity=0)
        try:
            yield
        finally:
            call_command("migrate", "socialaccount", "zero", verbosity=0)
            call_command("migrate", "account", "zero", verbosity=0)
    admin.site._registry.clear()
    admin.site._registry.update(admin_registry)
    _reload_urls()


def _id_token(claims: dict[str, Any]) -> str:
    now = int(timezone.now().timestamp())
    payload = {
        "iss": "https://accounts.google.com",
        "aud": ENV["GOOGLE_OAUTH_CLIENT_ID"],
        "iat": now,
        "exp": now + 3600,
        "sub": "google-uid-1",
        **claims,
    }
    return jwt.encode(payload, "not-checked: the token came straight from Google over TLS", algorithm="HS256")


def _sign_in_with_google(client: Client, claims: dict[str, Any]) -> Any:
    """Press the button, then come back from Google as it would redirect; only the code-for-token
    exchange with Google is answered here."""
    started = client.post(reverse("google_login"), {"process": "login"})
    assert started.status_code == 302
    query = parse_qs(urlsplit(started["Location"]).query)
    tokens = {"access_token": "ya29.test", "expires_in": 3600, "id_token": _id_token(claims)}
    with mock.patch(
        "allauth.socialaccount.providers.oauth2.client.OAuth2Client.get_access_token", return_value=tokens
    ):
        return client.get(reverse("google_callback"), {"code": "4/test-code", "state": query["state"][0]})


@configured_db
def test_configured_login_page_offers_google_and_the_provider_url_resolves(google_configured: None):
    client = Client()
    page = client.get(reverse("accounts:login")).content.decode()

    assert "Sign in with Google" in page
    assert f'action="{reverse("google_login")}"' in page
    assert resolve("/accounts/google/login/").url_name == "google_login"

    started = client.post(reverse("google_login"), {"process": "login"})
    target = urlsplit(started["Location"])
    query = parse_qs(target.query)
    assert target.netloc == "accounts.google.com"
    assert query["client_id"] == [ENV["GOOGLE_OAUTH_CLIENT_ID"]]
    assert query["hd"] == ["district.example"]


@configured_db
def test_google_sign_in_enters_the_district_account_of_the_verified_address(google_configured: None):
    user = UserFactory.create(username="terry", email="Terry@district.example")
    client = Client()

    response = _sign_in_with_google(
        client, {"email": "terry@district.example", "email_verified": True, "hd": "district.example"}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    # The second time the linked Google identity finds the same account.
    again = Client()
    _sign_in_with_google(
        again, {"email": "terry@district.example", "email_verified": True, "hd": "district.example"}
    )
    assert again.session[SESSION_KEY] == str(user.pk)


@configured_db
@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (
            {"email": "stranger@district.example", "email_verified": True, "hd": "district.example"},
            "No district account uses",
        ),
        (
            {"email": "terry@district.example", "email_verified": False, "hd": "district.example"},
            "did not confirm",
        ),
        ({"email": "terry@gmail.com", "email_verified": True}, "Use your district.example Google account"),
    ],
    ids=["unknown-address", "unverified", "other-domain"],
)
def test_google_sign_in_refuses_without_creating_anyone(
    google_configured: None, claims: dict[str, Any], reason: str
):
    UserFactory.create(username="terry", email="terry@district.example")
    UserFactory.create(username="terry2", email="terry@gmail.com")
    users_before = User.objects.count()
    client = Client()

    response = _sign_in_with_google(client, claims)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert User.objects.count() == users_before
    assert reason in client.get(response["Location"]).content.decode()


@configured_db
def test_google_sign_in_refuses_an_inactive_account(google_configured: None):
    UserFactory.create(username="terry", email="terry@district.example", is_active=False)
    client = Client()

    _sign_in_with_google(
        client, {"email": "terry@district.example", "email_verified": True, "hd": "district.example"}
    )

    assert SESSION_KEY not in client.session
