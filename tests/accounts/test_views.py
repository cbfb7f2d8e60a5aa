from collections.abc import Callable

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
LOGOUT_URL = reverse("accounts:logout")
HOME_URL = reverse("portal:home")


def test_login_page_renders_form(client: Client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_login_with_good_credentials_redirects_home(client: Client, technician: User):
    response = client.post(LOGIN_URL, {"username": "technician", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == HOME_URL
    assert client.session[SESSION_KEY] == str(technician.pk)


def test_login_with_next_redirects_there(client: Client, technician: User):
    response = client.post(
        LOGIN_URL, {"username": "technician", "password": DEFAULT_PASSWORD, "next": "/api/docs/"}
    )

    assert response["Location"] == "/api/docs/"


def test_login_with_offsite_next_redirects_home(client: Client, technician: User):
    response = client.post(
        LOGIN_URL,
        {"username": "technician", "password": DEFAULT_PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == HOME_URL


def test_login_with_bad_password_rerenders_with_error_and_no_session(client: Client, technician: User):
    response = client.post(LOGIN_URL, {"username": "technician", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert response.context["form"].non_field_errors()
    assert SESSION_KEY not in client.session


def test_login_for_inactive_user_is_refused(client: Client, technician: User):
    technician.is_active = False
    technician.save(update_fields=["is_active"])

    response = client.post(LOGIN_URL, {"username": "technician", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_logout_via_post_ends_session_and_redirects_to_login(
    technician: User, login: Callable[[User], Client]
):
    client = login(technician)

    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert SESSION_KEY not in client.session
    assert client.get(HOME_URL).status_code == 302


def test_logout_via_get_is_not_allowed(technician: User, login: Callable[[User], Client]):
    client = login(technician)

    response = client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert client.session[SESSION_KEY] == str(technician.pk)
