"""Signing in: lockout after repeated failures (per username and per address), the lockout page,
unlocking by an administrator, and sessions that end when idle or when the browser closes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import LockoutKind, Role
from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.core.admin_support import run_action

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
HOME_URL = reverse("portal:home")
LIMIT = settings.AXES_FAILURE_LIMIT


def _sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1", **extra: str):
    data = {"username": username, "password": password, **extra}
    return client.post(LOGIN_URL, data, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


# Lockout ------------------------------------------------------------------------------------


def test_sign_in_after_100_wrong_passwords_refuses_the_right_one(client: Client, technician: User):
    for _ in range(100):
        _sign_in(client, "technician", "wrong-guess")

    response = _sign_in(client, "technician", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(client)


def test_sign_in_below_the_failure_limit_still_works(client: Client, technician: User):
    for _ in range(LIMIT - 1):
        assert _sign_in(client, "technician", "wrong-guess").status_code == 200

    response = _sign_in(client, "technician", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_lockout_page_is_in_the_site_layout_and_says_what_to_do(client: Client, technician: User):
    for _ in range(LIMIT - 1):
        _sign_in(client, "technician", "wrong-guess")

    response = _sign_in(client, "technician", "wrong-guess")

    assert response.status_code == 429
    page = response.content.decode()
    assert "<title>Sign-in paused · FleetDesk</title>" in page
    assert "Wait 30 minutes after the last attempt" in page
    assert reverse("accounts:password_reset") in page
    assert "district administrator" in page


def test_username_lock_holds_from_every_address(client: Client, technician: User):
    for n in range(LIMIT):
        _sign_in(client, "technician", "wrong-guess", address=f"10.0.1.{n}")

    response = _sign_in(client, "technician", DEFAULT_PASSWORD, address="10.0.2.99")

    assert response.status_code == 429
    assert not _signed_in(client)


def test_address_lock_covers_every_username_tried_from_it(client: Client, technician: User):
    for n in range(LIMIT):
        _sign_in(client, f"guess{n}", "wrong-guess", address="10.9.9.9")

    refused = _sign_in(client, "technician", DEFAULT_PASSWORD, address="10.9.9.9")
    assert refused.status_code == 429
    assert not _signed_in(client)

    # The username itself is not locked: from another address the right password works.
    allowed = _sign_in(Client(), "technician", DEFAULT_PASSWORD, address="10.1.1.1")
    assert allowed.status_code == 302


def test_lockout_ends_after_the_cool_off(client: Client, technician: User):
    for _ in range(LIMIT):
        _sign_in(client, "technician", "wrong-guess")

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        response = _sign_in(client, "technician", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_admin_site_sign_in_is_locked_out_too(client: Client, superuser: User):
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.3.3.3")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.3.3.4",
    )

    assert response.status_code == 429
    assert not _signed_in(client)


# Unlocking ----------------------------------------------------------------------------------


def test_lockout_list_shows_locked_username_and_address_to_admin(login, admin_user: User, technician: User):
    for _ in range(LIMIT):
        _sign_in(Client(), "technician", "wrong-guess", address="10.4.4.4")

    response = login(admin_user).get(reverse("accounts:lockout_list"))

    assert response.status_code == 200
    lockouts = {(lockout.kind, lockout.value) for lockout in response.context["lockouts"]}
    assert lockouts == {(LockoutKind.USERNAME, "technician"), (LockoutKind.ADDRESS, "10.4.4.4")}


def test_admin_unlocking_a_username_restores_its_sign_in(login, admin_user: User, technician: User):
    for n in range(LIMIT):
        _sign_in(Client(), "technician", "wrong-guess", address=f"10.5.5.{n}")
    assert _sign_in(Client(), "technician", DEFAULT_PASSWORD, address="10.6.6.6").status_code == 429

    response = login(admin_user).post(
        reverse("accounts:lockout_clear"), {"kind": LockoutKind.USERNAME, "value": "technician"}, follow=True
    )

    assert "Unlocked username technician" in response.content.decode()
    assert _sign_in(Client(), "technician", DEFAULT_PASSWORD, address="10.6.6.6").status_code == 302


def test_admin_unlocking_an_address_restores_sign_in_from_it(login, admin_user: User, technician: User):
    for n in range(LIMIT):
        _sign_in(Client(), f"guess{n}", "wrong-guess", address="10.7.7.7")

    login(admin_user).post(
        reverse("accounts:lockout_clear"), {"kind": LockoutKind.ADDRESS, "value": "10.7.7.7"}
    )

    assert _sign_in(Client(), "technician", DEFAULT_PASSWORD, address="10.7.7.7").status_code == 302


def test_lockout_pages_refuse_non_admins(login, supervisor: User, technician: User):
    for _ in range(LIMIT):
        _sign_in(Client(), "technician", "wrong-guess")
    client = login(supervisor)

    assert client.get(reverse("accounts:lockout_list")).status_code == 403
    response = client.post(
        reverse("accounts:lockout_clear"), {"kind": LockoutKind.USERNAME, "value": "technician"}
    )

    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="technician").exists()


def test_lockout_clear_without_a_value_unlocks_nothing(login, admin_user: User, technician: User):
    for _ in range(LIMIT):
        _sign_in(Client(), "technician", "wrong-guess")

    response = login(admin_user).post(
        reverse("accounts:lockout_clear"), {"kind": LockoutKind.USERNAME, "value": ""}, follow=True
    )

    assert "Choose a locked username or address" in response.content.decode()
    assert AccessAttempt.objects.filter(username="technician").exists()


def test_django_admin_unlock_sign_in_action_restores_sign_in(
    client: Client, superuser: User, technician: User
):
    for n in range(LIMIT):
        _sign_in(Client(), "technician", "wrong-guess", address=f"10.8.8.{n}")
    client.force_login(superuser)

    run_action(client, User, "unlock_sign_in", [technician])

    assert not AccessAttempt.objects.filter(username="technician").exists()
    assert _sign_in(Client(), "technician", DEFAULT_PASSWORD, address="10.8.9.9").status_code == 302


def test_navigation_offers_lockouts_to_admins_only(login, admin_user: User):
    technician = UserFactory.create(roles=[Role.TECHNICIAN])

    assert "Sign-in lockouts" in login(admin_user).get(HOME_URL).content.decode()
    assert "Sign-in lockouts" not in login(technician).get(HOME_URL).content.decode()


# Sessions -----------------------------------------------------------------------------------


def test_session_ends_after_12_idle_hours(client: Client, technician: User):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, "technician", DEFAULT_PASSWORD)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 60 * 60

    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        response = client.get(HOME_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_session_in_use_slides_past_12_hours(client: Client, technician: User):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, "technician", DEFAULT_PASSWORD)
    for hours in (11, 22, 33):
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            assert client.get(HOME_URL).status_code == 200, f"signed out after {hours} h in use"


def test_session_on_a_shared_computer_ends_when_the_browser_closes(client: Client, technician: User):
    _sign_in(client, "technician", DEFAULT_PASSWORD, shared_computer="on")

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert _signed_in(client)
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


def test_session_on_a_shared_computer_stays_a_browser_session_when_refreshed(
    client: Client, technician: User
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, "technician", DEFAULT_PASSWORD, shared_computer="on")
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        assert client.get(HOME_URL).status_code == 200

    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""
    with time_machine.travel(start + dt.timedelta(hours=13, minutes=1), tick=False):
        assert client.get(HOME_URL).status_code == 302  # and the idle limit still holds


def test_sign_in_page_offers_the_shared_computer_choice_and_password_reset(client: Client):
    page = client.get(LOGIN_URL).content.decode()

    assert 'name="shared_computer"' in page
    assert "This is a shared computer" in page
    assert reverse("accounts:password_reset") in page


# Addresses behind a proxy -------------------------------------------------------------------


def test_behind_a_proxy_each_forwarded_address_is_locked_apart(client: Client, settings, technician: User):
    settings.LOGIN_TRUSTED_PROXY_COUNT = 1
    for n in range(LIMIT):
        client.post(
            LOGIN_URL,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="172.18.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").count() == LIMIT

    # Another client through the same proxy signs in; a spoofed entry on the left changes nothing.
    other = Client().post(
        LOGIN_URL,
        {"username": "technician", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="172.18.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    spoofed = Client().post(
        LOGIN_URL,
        {"username": "technician", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="172.18.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7",
    )

    assert other.status_code == 302
    assert spoofed.status_code == 429
