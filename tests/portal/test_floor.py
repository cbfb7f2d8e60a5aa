"""The floor page of the crawl bench: signed in only, base.html and nothing else, in no menu."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

FLOOR = reverse("portal:floor")


def test_floor_for_anonymous_redirects_to_login(client: Client):
    response = client.get(FLOOR)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["technician", "supervisor", "procurement", "school_admin", "admin_user"])
def test_floor_for_every_role_renders_the_base_page_only(
    role: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
):
    user = request.getfixturevalue(role)

    response = login(user).get(FLOOR)

    assert response.status_code == 200
    assert [template.name for template in response.templates if template.name] == ["base.html"]


def test_floor_is_in_no_menu(admin_user: User, login: Callable[[User], Client]):
    home = login(admin_user).get("/").content.decode()

    assert 'href="/floor/"' not in home


def test_floor_refuses_post(technician: User, login: Callable[[User], Client]):
    assert login(technician).post(FLOOR).status_code == 405
