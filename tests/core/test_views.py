import os
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, Settings

from accounts.choices import Role
from accounts.models import User
from tests.accounts.factories import StaffProfileFactory
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = pytest.mark.django_db

HOME_URL = reverse("portal:home")
HEALTHZ_URL = reverse("healthz")


# /healthz -------------------------------------------------------------------------------------


def test_healthz_without_redis_reports_database_ok_and_broker_eager(client: Client, settings: Settings):
    settings.REDIS_URL = ""

    response = client.get(HEALTHZ_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": connection.vendor}
    assert body["broker"]["ok"] is None
    assert body["broker"]["detail"].startswith("eager")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_when_redis_unreachable_reports_broker_down_and_stays_200(client: Client, settings: Settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get(HEALTHZ_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["detail"]  # the error class, e.g. ConnectionError


def test_healthz_when_database_fails_returns_503(client: Client, monkeypatch: pytest.MonkeyPatch):
    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get(HEALTHZ_URL)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": False, "detail": "OperationalError"}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL=redis://…")
def test_healthz_with_redis_up_reports_broker_ok(client: Client):
    response = client.get(HEALTHZ_URL)

    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "detail": "redis"}


def test_healthz_post_is_not_allowed(client: Client):
    assert client.post(HEALTHZ_URL).status_code == 405


# Home page ------------------------------------------------------------------------------------


def test_home_when_anonymous_redirects_to_login_with_next(client: Client):
    response = client.get(HOME_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={HOME_URL}"


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("technician", Role.TECHNICIAN),
        ("supervisor", Role.SUPERVISOR),
        ("procurement", Role.PROCUREMENT),
        ("school_admin", Role.SCHOOL_ADMIN),
        ("admin_user", Role.ADMIN),
    ],
)
def test_home_for_each_role_shows_only_that_roles_block(
    request: pytest.FixtureRequest, login: Callable[[User], Client], actor: str, role: Role
):
    user = request.getfixturevalue(actor)

    response = login(user).get(HOME_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="home-{role}"' in html
    for other in Role:
        if other != role:
            assert f'id="home-{other}"' not in html
    assert "has no role yet" not in html


def test_home_for_technician_shows_grade_title(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(HOME_URL)

    assert "IT Systems Specialist I" in response.content.decode()


def test_home_for_school_admin_lists_assigned_school(school_admin: User, login: Callable[[User], Client]):
    response = login(school_admin).get(HOME_URL)

    assert "Maple Elementary" in response.content.decode()


def test_home_without_role_shows_no_role_message_and_no_blocks(
    no_role_user: User, login: Callable[[User], Client]
):
    response = login(no_role_user).get(HOME_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Your account has no role yet" in html
    assert 'id="home-' not in html


def test_home_for_superuser_shows_every_block_within_query_budget(
    superuser: User, login: Callable[[User], Client], django_assert_max_num_queries: DjangoAssertNumQueries
):
    schools = LocationFactory.create_batch(3)
    for school in schools:
        DeviceFactory.create_batch(2, location=school)
    StaffProfileFactory(user=superuser, locations=schools)
    client = login(superuser)

    # Session, user, profile, grade, school ids, then one query per figure, whatever the row counts.
    with django_assert_max_num_queries(14):
        response = client.get(HOME_URL)

    html = response.content.decode()
    for role in Role:
        assert f'id="home-{role}"' in html
    assert html.count("<strong>2</strong> devices") == 3


# Navigation -----------------------------------------------------------------------------------


def test_navigation_for_admin_shows_admin_link(admin_user: User, login: Callable[[User], Client]):
    response = login(admin_user).get(HOME_URL)

    assert 'href="/admin/"' in response.content.decode()


def test_navigation_for_technician_hides_admin_link(technician: User, login: Callable[[User], Client]):
    response = login(technician).get(HOME_URL)

    html = response.content.decode()
    assert 'href="/admin/"' not in html
    assert 'href="/api/docs/"' in html


def test_navigation_without_role_hides_api_and_admin_links(
    no_role_user: User, login: Callable[[User], Client]
):
    html = login(no_role_user).get(HOME_URL).content.decode()

    assert 'href="/api/docs/"' not in html
    assert 'href="/admin/"' not in html
