"""The Google sync page and API: who may, the setup text when unconfigured, Sync now, the runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from googleapiclient.http import HttpMockSequence
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.models import User
from core.exceptions import ServiceUnavailable
from fleet.choices import GoogleSyncStatus, GoogleSyncTrigger
from fleet.models import GoogleSyncRun
from fleet.services import google_sync
from tests.fleet.factories import DeviceFactory
from tests.fleet.import_support import import_reference
from tests.fleet.test_google_sync import pages

pytestmark = pytest.mark.django_db

PAGE = reverse("fleet:google_sync")
START = reverse("fleet:google_sync_start")
API_START = reverse("api:google-sync-start")
API_RUNS = reverse("api:google-sync-run-list")


@pytest.fixture
def configured(settings: Any, tmp_path: Path) -> None:
    key = tmp_path / "service-account.json"
    key.write_text(json.dumps({"type": "service_account"}))
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(key)
    settings.GOOGLE_ADMIN_SUBJECT = "it-admin@district.example.org"


@pytest.fixture
def unconfigured(settings: Any) -> None:
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.GOOGLE_ADMIN_SUBJECT = ""


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> None:
    """Google answers the three recorded pages; backoff does not sleep."""
    import_reference()
    monkeypatch.setattr(google_sync, "_authorized_http", lambda config: HttpMockSequence(pages()))
    monkeypatch.setattr(google_sync, "_sleep", lambda seconds: None)


# Who may ----------------------------------------------------------------------------------------


def test_page_for_anonymous_redirects_to_login(client: Client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin", "no_role_user"])
def test_page_and_start_are_forbidden_to_roles_that_may_not_import(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client], configured: None
):
    client = login(request.getfixturevalue(actor))

    assert client.get(PAGE).status_code == 403
    assert client.post(START).status_code == 403
    assert not GoogleSyncRun.objects.exists()


@pytest.mark.parametrize("actor", ["supervisor", "admin_user"])
def test_page_is_open_to_importers(
    actor: str, request: pytest.FixtureRequest, login: Callable[[User], Client], unconfigured: None
):
    assert login(request.getfixturevalue(actor)).get(PAGE).status_code == 200


@pytest.mark.parametrize("actor", ["technician", "procurement", "school_admin"])
def test_api_is_forbidden_to_roles_that_may_not_import(
    actor: str,
    request: pytest.FixtureRequest,
    token_api_client: Callable[[User], APIClient],
    configured: None,
):
    client = token_api_client(request.getfixturevalue(actor))

    assert client.post(API_START).status_code == 403
    assert client.get(API_RUNS).status_code == 403
    assert not GoogleSyncRun.objects.exists()


def test_api_anonymous_is_refused(api_client: APIClient):
    assert api_client.post(API_START).status_code in (401, 403)
    assert api_client.get(API_RUNS).status_code in (401, 403)


# The page ---------------------------------------------------------------------------------------


def test_page_unconfigured_says_how_to_set_up_and_disables_the_button(
    supervisor: User, login: Callable[[User], Client], unconfigured: None
):
    html = login(supervisor).get(PAGE).content.decode()

    for needed in (
        "GOOGLE_SERVICE_ACCOUNT_FILE",
        "GOOGLE_ADMIN_SUBJECT",
        "GOOGLE_CUSTOMER_ID",
        google_sync.SCOPE,
    ):
        assert needed in html
    assert "Domain-wide delegation" in html and "service account" in html
    assert 'type="submit" class="btn btn-primary" disabled' in html
    assert "No sync has run yet." in html


def test_page_configured_enables_the_button(
    supervisor: User, login: Callable[[User], Client], configured: None
):
    html = login(supervisor).get(PAGE).content.decode()

    assert "it-admin@district.example.org" in html
    assert 'type="submit" class="btn btn-primary">Sync now' in html


def test_page_shows_the_last_run_and_devices_gone_from_google(
    supervisor: User, login: Callable[[User], Client], configured: None
):
    device = DeviceFactory.create(asset_tag="CB-0207781")
    GoogleSyncRun.objects.create(status=GoogleSyncStatus.SUCCEEDED, devices_seen=3)
    GoogleSyncRun.objects.create(
        status=GoogleSyncStatus.SUCCEEDED,
        devices_seen=4,
        created=1,
        refused=1,
        removed_count=1,
        removed=[{"id": device.pk, "asset_tag": "CB-0207781", "serial": "S1", "google_device_id": "g-1"}],
        problems=[
            {"row": 6, "serial": "7K2QX93", "asset_tag": "", "reason": "unknown location", "detail": "x"}
            | {"refused": True}
        ],
    )

    html = login(supervisor).get(PAGE).content.decode()

    assert '<dd class="col-5 col-sm-3" id="sync-seen">4</dd>' in html
    assert '<dd class="col-5 col-sm-3" id="sync-removed">1</dd>' in html
    assert reverse("fleet:device_detail", args=[device.pk]) in html
    assert "7K2QX93 — unknown location" in html
    assert 'id="sync-runs"' in html


def test_page_lists_runs_in_a_fixed_number_of_queries(
    supervisor: User, login: Callable[[User], Client], configured: None, django_assert_max_num_queries: Any
):
    client = login(supervisor)
    for _ in range(12):
        GoogleSyncRun.objects.create(status=GoogleSyncStatus.SUCCEEDED, requested_by=supervisor)

    with django_assert_max_num_queries(12):
        assert client.get(PAGE).status_code == 200


def test_sync_now_runs_the_sync_and_shows_its_counts(
    supervisor: User,
    login: Callable[[User], Client],
    configured: None,
    google: None,
    django_capture_on_commit_callbacks: Any,
):
    client = login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START)

    assert response.status_code == 302
    run = GoogleSyncRun.objects.get()
    assert (run.status, run.trigger, run.requested_by) == (
        GoogleSyncStatus.SUCCEEDED,
        GoogleSyncTrigger.MANUAL,
        supervisor,
    )
    html = client.get(PAGE).content.decode()
    assert f"Google sync {run.pk} started" in html
    assert '<dd class="col-5 col-sm-3" id="sync-created">4</dd>' in html
    assert '<dd class="col-5 col-sm-3" id="sync-refused">1</dd>' in html


def test_sync_now_unconfigured_is_refused_on_screen(
    supervisor: User, login: Callable[[User], Client], unconfigured: None
):
    response = login(supervisor).post(START)

    assert response.status_code == 400
    assert 'role="alert" id="sync-refusal">Google sync is not set up' in response.content.decode()
    assert not GoogleSyncRun.objects.exists()


def test_sync_now_while_running_is_409_on_screen(
    supervisor: User, login: Callable[[User], Client], configured: None
):
    GoogleSyncRun.objects.create(status=GoogleSyncStatus.RUNNING)

    response = login(supervisor).post(START)

    assert response.status_code == 409
    assert "is still running" in response.content.decode()


# The job is sent when the request's write commits (and the role groups are restored after).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sync_now_with_the_queue_down_is_503_and_leaves_nothing_pending(
    supervisor: User,
    login: Callable[[User], Client],
    configured: None,
    monkeypatch: pytest.MonkeyPatch,
):
    def down(name: str, *args: object) -> None:
        raise ServiceUnavailable("down")

    monkeypatch.setattr(google_sync.core_tasks, "enqueue", down)

    response = login(supervisor).post(START)

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "could not start" in response.content.decode()
    assert not GoogleSyncRun.objects.filter(status__in=google_sync.ACTIVE_STATUSES).exists()


def test_get_on_start_is_not_allowed(supervisor: User, login: Callable[[User], Client]):
    assert login(supervisor).get(START).status_code == 405


# The API ----------------------------------------------------------------------------------------


def test_api_start_returns_202_with_the_run(
    admin_user: User,
    token_api_client: Callable[[User], APIClient],
    configured: None,
    google: None,
    django_capture_on_commit_callbacks: Any,
):
    client = token_api_client(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(API_START)

    assert response.status_code == 202
    assert (response.data["status"], response.data["trigger"]) == ("pending", "manual")
    for callback in callbacks:
        callback()
    run = client.get(API_RUNS).data["results"][0]
    assert run["id"] == response.data["id"]
    assert (run["status"], run["devices_seen"], run["created"], run["refused"]) == ("succeeded", 5, 4, 1)


def test_api_start_unconfigured_is_400_saying_what_is_missing(
    supervisor: User, token_api_client: Callable[[User], APIClient], unconfigured: None
):
    response = token_api_client(supervisor).post(API_START)

    assert response.status_code == 400
    assert "GOOGLE_SERVICE_ACCOUNT_FILE is not set" in response.data["detail"]
    assert not GoogleSyncRun.objects.exists()


def test_api_start_while_running_is_409(
    supervisor: User, token_api_client: Callable[[User], APIClient], configured: None
):
    GoogleSyncRun.objects.create(status=GoogleSyncStatus.PENDING)

    assert token_api_client(supervisor).post(API_START).status_code == 409
    assert GoogleSyncRun.objects.count() == 1


def test_api_runs_newest_first_in_a_fixed_number_of_queries(
    supervisor: User,
    token_api_client: Callable[[User], APIClient],
    django_assert_num_queries: DjangoAssertNumQueries,
):
    client = token_api_client(supervisor)
    older = GoogleSyncRun.objects.create(status=GoogleSyncStatus.FAILED, error_message="HTTP 403")
    newer = GoogleSyncRun.objects.create(status=GoogleSyncStatus.SUCCEEDED, requested_by=supervisor)
    client.get(API_RUNS)  # token and role lookups warm

    with django_assert_num_queries(4):
        response = client.get(API_RUNS)

    assert [run["id"] for run in response.data["results"]] == [newer.pk, older.pk]
    assert response.data["results"][0]["requested_by"] == str(supervisor)
    assert response.data["results"][1]["error_message"] == "HTTP 403"
