"""Shared actors, clients and marker handling for the whole suite.

Actors hold one role each and sign in with ``DEFAULT_PASSWORD``. ``admin_user`` is the district
administrator (group ``admin``, ``is_staff``) and replaces pytest-django's fixture of that name;
use ``superuser`` for the Django admin site and for a user holding every role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

import config.celery
from accounts.choices import Role
from accounts.models import User
from tests.accounts.factories import StaffProfileFactory, UserFactory
from tests.fleet.factories import LocationFactory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``postgres`` tests on other databases, with a reason ``-ra`` shows."""
    needs_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    if connection.vendor == "postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(needs_postgres)


@pytest.fixture(autouse=True)
def celery_runs_tasks_in_process() -> Iterator[None]:
    """Tasks run in the test's own process whatever REDIS_URL says: no test waits on a worker or
    leaves messages in a broker that a later worker would pick up. (.ci/run drives a real worker.)

    The Celery app reads its settings at import, so overriding Django settings has no effect.
    """
    app = config.celery.app
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def api_throttle_counts_start_at_zero() -> None:
    """Each test starts with no API calls counted against it: SQLite hands a rolled-back user's id
    to the next test's user, whose calls would otherwise add up with the last one's. (The
    throttle cache is local memory in the test settings, so clearing it touches nothing else.)"""
    caches["throttle"].clear()


# Actors ---------------------------------------------------------------------------------------


@pytest.fixture
def technician(db: None) -> User:
    """A technician at grade 20 (ITSS I), the grade eligible for overtime with approval."""
    user = UserFactory.create(
        username="technician", first_name="Terry", last_name="Tech", roles=[Role.TECHNICIAN]
    )
    StaffProfileFactory.create(user=user, grade_number=20)
    return user


@pytest.fixture
def supervisor(db: None) -> User:
    user = UserFactory.create(
        username="supervisor", first_name="Sam", last_name="Super", roles=[Role.SUPERVISOR]
    )
    StaffProfileFactory.create(user=user, grade_number=25)
    return user


@pytest.fixture
def procurement(db: None) -> User:
    return UserFactory.create(
        username="procurement", first_name="Pat", last_name="Buyer", roles=[Role.PROCUREMENT]
    )


@pytest.fixture
def school_admin(db: None) -> User:
    """A school administrator assigned to one school."""
    user = UserFactory.create(
        username="school_admin", first_name="Sky", last_name="Principal", roles=[Role.SCHOOL_ADMIN]
    )
    StaffProfileFactory.create(
        user=user, grade_number=None, locations=[LocationFactory.create(name="Maple Elementary")]
    )
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    """The district administrator: group ``admin`` and staff status, but not a superuser."""
    return UserFactory.create(
        username="district_admin", first_name="Ada", last_name="Admin", roles=[Role.ADMIN], is_staff=True
    )


@pytest.fixture
def superuser(db: None) -> User:
    """A Django superuser: every role, and every permission on the admin site."""
    return UserFactory.create(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def no_role_user(db: None) -> User:
    return UserFactory.create(username="nobody", first_name="Nora", last_name="Norole")


# Clients --------------------------------------------------------------------------------------


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """``login(user)`` signs ``client`` in as ``user`` (no password round trip) and returns it."""

    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous DRF client."""
    return APIClient()


@pytest.fixture
def token_api_client(api_client: APIClient) -> Callable[[User], APIClient]:
    """``token_api_client(user)`` returns ``api_client`` sending ``Authorization: Token <key>``
    (a knox token: hashed in the database)."""

    def _authenticate(user: User) -> APIClient:
        _, key = AuthToken.objects.create(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api_client

    return _authenticate


@pytest.fixture
def refresh_summaries(db: None) -> Callable[[], None]:
    """Rebuild every report summary table (as the nightly tasks do) from the rows the test made:
    the reports read the tallies, so a test arranges its rows, then calls this, then reads."""

    def refresh() -> None:
        from fleet.services.summaries import device_tally_refresh
        from forecasting.services.summaries import model_year_tally_refresh
        from repairs.services.summaries import part_usage_tally_refresh

        device_tally_refresh()
        part_usage_tally_refresh()
        model_year_tally_refresh()

    return refresh
