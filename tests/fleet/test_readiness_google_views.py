"""Readiness from Google's data over HTTP: counts per school linking to the devices behind them,
the device list by flag and its CSV export, who may, bad filters named, and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from fleet.models import Location
from tests.fleet.readiness_support import readiness_district
from tests.fleet.test_report_views import _rows

pytestmark = pytest.mark.django_db

READINESS_URL = reverse("fleet:readiness_report")
READINESS_CSV = reverse("fleet:readiness_export")
DEVICES_URL = reverse("fleet:readiness_devices")
DEVICES_CSV = reverse("fleet:readiness_devices_export")


@pytest.fixture
def google_district(refresh_summaries: Callable[[], None]) -> dict[str, Location]:
    """The district with Google's data; the device tally rebuilt from it, as the nightly task does."""
    district = readiness_district()
    refresh_summaries()
    return district


@pytest.fixture(autouse=True)
def _frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=False):
        yield


@pytest.mark.parametrize("url", [DEVICES_URL, DEVICES_CSV])
def test_device_list_for_user_without_role_is_forbidden(
    no_role_user: User, login: Callable[[User], Client], url: str
):
    assert login(no_role_user).get(url, {"flag": "dev_mode"}).status_code == 403


@pytest.mark.parametrize("url", [DEVICES_URL, DEVICES_CSV])
def test_device_list_for_anonymous_redirects_to_login(client: Client, url: str):
    assert client.get(url, {"flag": "dev_mode"}).status_code == 302


def test_readiness_page_counts_google_flags_per_school_with_links(
    technician: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    html = login(technician).get(READINESS_URL).content.decode()

    rows = {row[0]: row for row in _rows(html)}
    # active, deployed, in service, in repair, past AUE, loaners out, not synced, OS behind, dev, not ready
    assert rows["Eastside ES"][5:] == ["0", "0", "1", "2", "1", "3"]
    assert rows["Westside MS"][5:] == ["1", "0", "0", "1", "0", "1"]
    assert rows["All schools"][5:] == ["1", "0", "1", "3", "1", "4"]
    east = google_district["east"].pk
    assert f'href="{DEVICES_URL}?flag=os_behind&amp;location={east}">2</a>' in html
    assert f'href="{DEVICES_URL}?flag=os_behind">3</a>' in html  # the total: every school
    assert "newest in the district (134)" in html


def test_readiness_export_has_the_google_flags(
    technician: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    rows = list(csv.DictReader(io.StringIO(login(technician).get(READINESS_CSV).content.decode())))

    flags = [
        (r["school"], r["not_synced_30_days"], r["os_behind"], r["dev_mode"], r["not_ready"]) for r in rows
    ]
    assert flags == [
        ("Eastside ES", "1", "2", "1", "3"),
        ("Westside MS", "0", "1", "0", "1"),
        ("All schools", "1", "3", "1", "4"),
    ]


def test_device_list_by_flag_and_school(
    technician: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    client = login(technician)

    every = _rows(client.get(DEVICES_URL, {"flag": "os_behind"}).content.decode())
    west = _rows(
        client.get(
            DEVICES_URL, {"flag": "os_behind", "location": str(google_district["west"].pk)}
        ).content.decode()
    )

    assert [row[0] for row in every[1:]] == ["E2", "E3", "W1"]
    assert west[1:] == [["W1", west[1][1], "Westside MS", "126.0.6478.222", "Verified", "—", "2026-02"]]


def test_device_list_of_developer_mode_devices(
    supervisor: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    rows = _rows(login(supervisor).get(DEVICES_URL, {"flag": "dev_mode"}).content.decode())

    assert [(row[0], row[4], row[5]) for row in rows[1:]] == [("E4", "Developer mode", "2026-02-01")]


def test_device_export_streams_the_flagged_devices(
    technician: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    response = login(technician).get(DEVICES_CSV, {"flag": "not_synced"})

    assert response["Content-Type"] == "text/csv"
    assert 'filename="readiness-not_synced-20260315.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert [(r["asset_tag"], r["school"], r["last_sync"], r["boot_mode"]) for r in rows] == [
        ("E4", "Eastside ES", "2026-02-01T12:00:00+00:00", "Developer mode")
    ]


@pytest.mark.parametrize("url", [DEVICES_URL, DEVICES_CSV])
def test_device_list_with_an_unknown_flag_is_400_naming_the_field(
    technician: User, login: Callable[[User], Client], url: str
):
    response = login(technician).get(url, {"flag": "purple"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice. purple is not one of the available choices." in body
    assert ("Flag:" in body) if url == DEVICES_URL else body.startswith("flag:")


def test_device_list_of_a_school_the_administrator_does_not_see_is_400(
    school_admin: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    response = login(school_admin).get(
        DEVICES_URL, {"flag": "os_behind", "location": str(google_district["west"].pk)}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "School:" in body
    # No device of that school shown: its asset tag as a cell's or link's text (a bare "W1" also
    # turns up, now and then, inside the page's random CSRF token).
    assert not re.search(r">\s*W1\s*<", body)


def test_device_list_of_a_school_administrator_shows_only_their_school(
    school_admin: User, login: Callable[[User], Client], google_district: dict[str, Location]
):
    rows = _rows(login(school_admin).get(DEVICES_URL, {"flag": "os_behind"}).content.decode())

    assert rows[1:] == []  # their school (Maple Elementary) has no flagged device


def test_device_list_query_count_does_not_grow_with_devices(
    technician: User,
    login: Callable[[User], Client],
    google_district: dict[str, Location],
    django_assert_num_queries: DjangoAssertNumQueries,
):
    from tests.fleet.factories import DeviceFactory

    client = login(technician)
    client.get(DEVICES_URL, {"flag": "os_behind"})
    with django_assert_num_queries(7):
        client.get(DEVICES_URL, {"flag": "os_behind"})
    DeviceFactory.create_batch(5, location=google_district["west"], os_version="120.0.1")
    with django_assert_num_queries(7):
        response = client.get(DEVICES_URL, {"flag": "os_behind"})
    assert len(_rows(response.content.decode())) == 1 + 8
