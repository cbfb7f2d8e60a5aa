"""Changing one's password, and resetting a forgotten one by email."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
RESET_URL = reverse("accounts:password_reset")
NEW_PASSWORD = "Tarnished-Brass-Lantern-42"


def _signs_in(username: str, password: str, address: str = "10.20.0.1") -> bool:
    client = Client()
    client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)
    return SESSION_KEY in client.session


def _reset_link() -> str:
    assert len(mail.outbox) == 1
    body = str(mail.outbox[0].body)
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_password_change_takes_the_new_password(login, technician: User):
    response = login(technician).post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    assert _signs_in("technician", NEW_PASSWORD)
    assert not _signs_in("technician", DEFAULT_PASSWORD)


def test_password_change_with_wrong_old_password_names_the_field(login, technician: User):
    response = login(technician).post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert "<title>Change your password · FleetDesk</title>" in response.content.decode()


def test_password_change_needs_sign_in(client: Client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_password_reset_mails_a_link_that_sets_a_password_that_signs_in(client: Client, technician: User):
    technician.email = "terry@district.example"
    technician.save(update_fields=["email"])

    response = client.post(RESET_URL, {"email": "terry@district.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox[0].to == ["terry@district.example"]
    assert mail.outbox[0].from_email == settings.DEFAULT_FROM_EMAIL

    form_url = client.get(_reset_link(), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert _signs_in("technician", NEW_PASSWORD)
    assert not _signs_in("technician", DEFAULT_PASSWORD)


def test_password_reset_link_works_once(client: Client, technician: User):
    technician.email = "terry@district.example"
    technician.save(update_fields=["email"])
    client.post(RESET_URL, {"email": "terry@district.example"})
    link = _reset_link()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = Client().get(link, follow=True)

    assert "This link has already been used or has expired." in response.content.decode()


def test_password_reset_for_unknown_email_sends_nothing_and_answers_the_same(
    client: Client, technician: User
):
    technician.email = "terry@district.example"
    technician.save(update_fields=["email"])

    unknown = client.post(RESET_URL, {"email": "nobody@district.example"})
    known = Client().post(RESET_URL, {"email": "terry@district.example"})

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [message.to for message in mail.outbox] == [["terry@district.example"]]


def test_password_reset_lifts_the_lockout_of_that_username(client: Client, technician: User):
    technician.email = "terry@district.example"
    technician.save(update_fields=["email"])
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client().post(LOGIN_URL, {"username": "technician", "password": "x"}, REMOTE_ADDR=f"10.21.0.{n}")
    assert not _signs_in("technician", DEFAULT_PASSWORD)

    client.post(RESET_URL, {"email": "terry@district.example"})
    form_url = client.get(_reset_link(), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert _signs_in("technician", NEW_PASSWORD)
