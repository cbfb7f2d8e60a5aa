"""Time and pay API: the pages' rules and visibility over /api/time-entries/ and /api/timesheets/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from staff.choices import TimesheetStatus
from staff.models import TimeEntry, Timesheet
from staff.services import timesheets
from tests.accounts.factories import StaffProfileFactory, UserFactory
from tests.fleet.factories import LocationFactory

pytestmark = pytest.mark.django_db

D = Decimal
WEEK = dt.date(2026, 10, 4)
ENTRIES = "/api/time-entries/"
SHEETS = "/api/timesheets/"


def member(supervisor: User, rate: str = "24.80") -> User:
    user = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=user, grade_number=20, hourly_rate=D(rate), supervisor=supervisor)
    return user


def submitted_week(user: User) -> Timesheet:
    for offset in range(5):
        timesheets.time_entry_create(
            actor=user, work_date=WEEK + dt.timedelta(days=offset), kind="regular", hours=D("9")
        )
    return timesheets.timesheet_submit(
        timesheet=Timesheet.objects.get(user=user, week_start=WEEK), actor=user
    )


@pytest.mark.parametrize("url", [ENTRIES, SHEETS])
def test_time_api_anonymous_is_refused(api_client: APIClient, url: str):
    assert api_client.get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", [ENTRIES, SHEETS])
def test_time_api_without_role_is_forbidden(
    token_api_client: Callable[[User], APIClient], no_role_user: User, url
):
    assert token_api_client(no_role_user).get(url).status_code == 403


def test_time_entry_create_via_api(token_api_client: Callable[[User], APIClient], technician: User):
    response = token_api_client(technician).post(
        ENTRIES,
        {"work_date": "2026-10-05", "kind": "travel", "hours": "1.25", "mileage": "14.2"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["user_id"], body["hours"], body["mileage"]) == (technician.pk, "1.25", "14.2")
    assert Timesheet.objects.get(user=technician).total_hours == D("1.25")


def test_time_entry_create_with_field_errors_is_400(
    token_api_client: Callable[[User], APIClient], technician: User
):
    response = token_api_client(technician).post(
        ENTRIES, {"work_date": "soon", "kind": "nap", "hours": "30"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"work_date", "kind", "hours"}


@pytest.mark.parametrize("hours", ["0.01", "0.24"])
def test_time_entry_below_a_quarter_hour_is_400_as_on_the_page(
    token_api_client: Callable[[User], APIClient], technician: User, hours: str
):
    response = token_api_client(technician).post(
        ENTRIES, {"work_date": "2026-10-05", "kind": "regular", "hours": hours}, format="json"
    )

    assert response.status_code == 400 and list(response.json()) == ["hours"]
    assert not TimeEntry.objects.exists()


def test_time_entry_create_refused_by_a_rule_is_400(
    token_api_client: Callable[[User], APIClient], technician: User
):
    response = token_api_client(technician).post(
        ENTRIES, {"work_date": "2026-10-05", "kind": "regular", "hours": "8", "mileage": "3"}, format="json"
    )

    assert response.status_code == 400
    assert "only on travel" in response.json()["mileage"][0]


def test_time_entry_create_at_inactive_location_is_400_naming_location_id(
    token_api_client: Callable[[User], APIClient], technician: User
):
    closed_school = LocationFactory.create(is_active=False)

    response = token_api_client(technician).post(
        ENTRIES,
        {"work_date": "2026-10-05", "kind": "regular", "hours": "8", "location_id": closed_school.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["location_id"]
    assert not TimeEntry.objects.exists()


def test_time_entry_list_filters_by_week_and_shows_team_to_supervisor(
    token_api_client: Callable[[User], APIClient], supervisor: User, technician: User
):
    mia = member(supervisor)
    inside = timesheets.time_entry_create(actor=mia, work_date=WEEK, kind="regular", hours=D("8"))
    timesheets.time_entry_create(
        actor=mia, work_date=WEEK + dt.timedelta(days=7), kind="regular", hours=D("8")
    )
    timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("8"))

    response = token_api_client(supervisor).get(ENTRIES, {"week_start": "2026-10-04"})

    assert [e["id"] for e in response.json()["results"]] == [inside.pk]


def test_time_entry_list_queries_stay_fixed(
    token_api_client: Callable[[User], APIClient],
    technician: User,
    django_assert_num_queries: DjangoAssertNumQueries,
):
    client = token_api_client(technician)
    timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("1"))
    with CaptureQueriesContext(connection) as few:
        client.get(ENTRIES)
    for offset in range(1, 5):
        timesheets.time_entry_create(
            actor=technician, work_date=WEEK + dt.timedelta(days=offset), kind="regular", hours=D("1")
        )

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(ENTRIES)
    assert response.json()["count"] == 5


def test_time_entry_detail_of_someone_else_is_404(
    token_api_client: Callable[[User], APIClient], technician: User, supervisor: User
):
    entry = timesheets.time_entry_create(
        actor=member(supervisor), work_date=WEEK, kind="regular", hours=D("8")
    )

    assert token_api_client(technician).get(f"{ENTRIES}{entry.pk}/").status_code == 404


def test_time_entry_patch_and_delete_own(token_api_client: Callable[[User], APIClient], technician: User):
    entry = timesheets.time_entry_create(actor=technician, work_date=WEEK, kind="regular", hours=D("8"))
    client = token_api_client(technician)

    patched = client.patch(f"{ENTRIES}{entry.pk}/", {"hours": "7.5"}, format="json")
    deleted = client.delete(f"{ENTRIES}{entry.pk}/")

    assert (patched.status_code, patched.json()["hours"]) == (200, "7.50")
    assert deleted.status_code == 204
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_time_entry_patch_by_supervisor_is_403(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    entry = timesheets.time_entry_create(
        actor=member(supervisor), work_date=WEEK, kind="regular", hours=D("8")
    )

    response = token_api_client(supervisor).patch(f"{ENTRIES}{entry.pk}/", {"hours": "1"}, format="json")

    assert response.status_code == 403


def test_time_entry_patch_in_a_submitted_week_is_400(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    mia = member(supervisor)
    submitted_week(mia)
    entry = TimeEntry.objects.filter(user=mia).first()
    assert entry is not None

    response = token_api_client(mia).patch(f"{ENTRIES}{entry.pk}/", {"hours": "1"}, format="json")

    assert response.status_code == 400


def test_timesheet_list_and_detail_visibility(
    token_api_client: Callable[[User], APIClient], supervisor: User, technician: User, procurement: User
):
    ts = submitted_week(member(supervisor))

    assert [t["id"] for t in token_api_client(supervisor).get(SHEETS).json()["results"]] == [ts.pk]
    assert token_api_client(technician).get(SHEETS).json()["results"] == []
    assert token_api_client(technician).get(f"{SHEETS}{ts.pk}/").status_code == 404
    assert token_api_client(procurement).get(f"{SHEETS}{ts.pk}/").status_code == 404
    body = token_api_client(supervisor).get(f"{SHEETS}{ts.pk}/").json()
    assert (body["overtime_hours_unapproved"], body["overtime_pay"], body["overtime_eligible"]) == (
        "5.00",
        "186.00",
        True,
    )


def test_timesheet_list_queries_stay_fixed(
    token_api_client: Callable[[User], APIClient],
    supervisor: User,
    django_assert_num_queries: DjangoAssertNumQueries,
):
    client = token_api_client(supervisor)
    submitted_week(member(supervisor))
    with CaptureQueriesContext(connection) as few:
        client.get(SHEETS)
    for _ in range(3):
        submitted_week(member(supervisor))

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(SHEETS)
    assert response.json()["count"] == 4


def test_timesheet_sign_off_api(token_api_client: Callable[[User], APIClient], supervisor: User):
    ts = submitted_week(member(supervisor))

    response = token_api_client(supervisor).post(
        f"{SHEETS}{ts.pk}/sign-off/", {"version": ts.version}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["signed_off_by_id"]) == (
        TimesheetStatus.SIGNED_OFF,
        supervisor.pk,
    )


def test_timesheet_sign_off_api_stale_version_is_409(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    ts = submitted_week(member(supervisor))

    response = token_api_client(supervisor).post(
        f"{SHEETS}{ts.pk}/sign-off/", {"version": ts.version + 5}, format="json"
    )

    assert response.status_code == 409


def test_timesheet_sign_off_api_own_week_is_403(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    ts = submitted_week(supervisor)

    response = token_api_client(supervisor).post(
        f"{SHEETS}{ts.pk}/sign-off/", {"version": ts.version}, format="json"
    )

    assert response.status_code == 403


def test_timesheet_sign_off_api_other_team_is_404(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    ts = submitted_week(member(supervisor))
    other = UserFactory.create(roles=[Role.SUPERVISOR])

    response = token_api_client(other).post(
        f"{SHEETS}{ts.pk}/sign-off/", {"version": ts.version}, format="json"
    )

    assert response.status_code == 404


def test_timesheet_sign_off_api_missing_version_is_400(
    token_api_client: Callable[[User], APIClient], supervisor: User
):
    ts = submitted_week(member(supervisor))

    response = token_api_client(supervisor).post(f"{SHEETS}{ts.pk}/sign-off/", {}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()


def test_timesheet_submit_and_reopen_api(token_api_client: Callable[[User], APIClient], supervisor: User):
    mia = member(supervisor)
    timesheets.time_entry_create(actor=mia, work_date=WEEK, kind="regular", hours=D("8"))
    ts = Timesheet.objects.get(user=mia)

    submitted = token_api_client(mia).post(f"{SHEETS}{ts.pk}/submit/", {"version": ts.version}, format="json")
    reopened = token_api_client(supervisor).post(
        f"{SHEETS}{ts.pk}/reopen/", {"version": submitted.json()["version"]}, format="json"
    )

    assert submitted.json()["status"] == TimesheetStatus.SUBMITTED
    assert reopened.json()["status"] == TimesheetStatus.OPEN


def test_time_endpoints_are_in_the_openapi_schema(
    token_api_client: Callable[[User], APIClient], technician: User
):
    paths = token_api_client(technician).get("/api/schema/", {"format": "json"}).json()["paths"]

    for path in [
        "/api/time-entries/",
        "/api/time-entries/{entry_id}/",
        "/api/timesheets/",
        "/api/timesheets/{timesheet_id}/",
        "/api/timesheets/{timesheet_id}/sign-off/",
    ]:
        assert path in paths
