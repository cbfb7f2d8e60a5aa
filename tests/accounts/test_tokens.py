"""API tokens: made and revoked by their owner on the token page, shown once, stored as a digest,
expiring; accepted as "Token" or "Bearer"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

TOKENS_URL = reverse("accounts:token_list")
CREATE_URL = reverse("accounts:token_create")
ME_URL = reverse("api:me")


def _create(client: Client) -> str:
    response = client.post(CREATE_URL)
    assert response.status_code == 200
    match = re.search(r'id="new-token"[^>]*value="([0-9a-f]+)"', response.content.decode())
    assert match, "the new token is shown on the page"
    return match.group(1)


def _me(key: str, prefix: str = "Bearer") -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{prefix} {key}")
    return client.get(ME_URL).status_code


def test_token_created_on_the_page_works_as_bearer_and_as_token_header(login, technician: User):
    key = _create(login(technician))

    assert _me(key, "Bearer") == 200
    assert _me(key, "Token") == 200


def test_token_is_stored_as_a_digest_not_the_token(login, technician: User):
    key = _create(login(technician))

    stored = AuthToken.objects.get(user=technician)
    assert stored.digest == hash_token(key)
    assert key not in (stored.digest, stored.token_key)
    assert len(key) == 64 and stored.token_key == key[:15]


def test_token_is_shown_once_and_never_cached(login, technician: User):
    client = login(technician)
    response = client.post(CREATE_URL)
    key = re.search(r'value="([0-9a-f]{64})"', response.content.decode()).group(1)  # type: ignore[union-attr]

    assert "no-store" in response["Cache-Control"]
    assert key not in client.get(TOKENS_URL).content.decode()


def test_token_expires_after_its_ttl(login, technician: User):
    key = _create(login(technician))
    ttl: dt.timedelta = knox_settings.TOKEN_TTL
    assert ttl == dt.timedelta(days=90)

    with time_machine.travel(timezone.now() + ttl - dt.timedelta(minutes=1)):
        assert _me(key) == 200
    with time_machine.travel(timezone.now() + ttl + dt.timedelta(minutes=1)):
        assert _me(key) in (401, 403)
    assert not AuthToken.objects.filter(user=technician).exists()


def test_revoked_token_is_refused(login, technician: User):
    client = login(technician)
    key = _create(client)

    response = client.post(reverse("accounts:token_revoke", args=[key[:15]]), follow=True)

    assert "revoked" in response.content.decode()
    assert _me(key) in (401, 403)
    assert not AuthToken.objects.filter(user=technician).exists()


def test_another_user_cannot_revoke_your_token(client: Client, login, technician: User, supervisor: User):
    key = _create(login(technician))
    client.force_login(supervisor)

    response = client.post(reverse("accounts:token_revoke", args=[key[:15]]))

    assert response.status_code == 404
    assert _me(key) == 200


def test_token_page_lists_only_your_own_unexpired_tokens(login, technician: User, supervisor: User):
    AuthToken.objects.create(user=supervisor)
    AuthToken.objects.create(user=technician, expiry=dt.timedelta(seconds=-1))
    own, _ = AuthToken.objects.create(user=technician)

    response = login(technician).get(TOKENS_URL)

    assert [token.pk for token in response.context["tokens"]] == [own.pk]


def test_token_creation_stops_at_the_limit_with_the_reason_on_screen(login, technician: User):
    limit: int = knox_settings.TOKEN_LIMIT_PER_USER
    for _ in range(limit):
        AuthToken.objects.create(user=technician)

    response = login(technician).post(CREATE_URL)

    assert response.status_code == 400
    assert "Revoke one you no longer use first" in response.content.decode()
    assert AuthToken.objects.filter(user=technician).count() == limit


def test_token_page_needs_sign_in(client: Client):
    response = client.get(TOKENS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_token_of_an_inactive_user_is_refused(
    token_api_client: Callable[[User], APIClient], technician: User
):
    client = token_api_client(technician)
    technician.is_active = False
    technician.save(update_fields=["is_active"])

    assert client.get(ME_URL).status_code in (401, 403)


def test_plain_drf_style_token_is_refused(api_client: APIClient, technician: User):
    api_client.credentials(HTTP_AUTHORIZATION="Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")

    assert api_client.get(ME_URL).status_code in (401, 403)


def test_user_menu_links_to_tokens_and_password_change(login, technician: User):
    page = login(technician).get(reverse("portal:home")).content.decode()

    assert f'href="{TOKENS_URL}"' in page
    assert f'href="{reverse("accounts:password_change")}"' in page


def test_api_docs_page_and_schema_describe_the_bearer_token(api_client: APIClient, technician: User):
    api_client.force_login(technician)

    assert api_client.get(reverse("api:docs")).status_code == 200
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


def test_token_creation_clears_your_expired_tokens(login, technician: User):
    AuthToken.objects.create(user=technician, expiry=dt.timedelta(seconds=-1))

    _create(login(technician))

    assert AuthToken.objects.filter(user=technician).count() == 1
