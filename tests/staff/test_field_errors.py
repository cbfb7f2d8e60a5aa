"""A refusal caused by one input names it: the API answers ``{field: [message]}`` and the page
shows the message in the field's error feedback right after it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from staff.models import OvertimeRequest, OvertimeRule, TimeEntry
from staff.services import timesheets
from tests.accounts.factories import (
    OvertimeRequestEventFactory,
    OvertimeRequestFactory,
    StaffProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
FUTURE = "You cannot log time for a day that has not started yet."
MILEAGE = "Mileage goes only on travel between sites."
BACKDATED = "A rule cannot start in the past (2026-01-01)"


@pytest.fixture(autouse=True)
def frozen_today():  # type: ignore[no-untyped-def]
    with time_machine.travel(
        dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False
    ):
        yield


def after_field(html: str, name: str, message: str) -> bool:
    """The message is among the field errors (``invalid-feedback``) right after the input, select
    or textarea called ``name``, before any other field."""
    field = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{name}"', html)
    if field is None:
        return False
    rest = html[field.end() :]
    following = re.search(r'\bname="(?!csrfmiddlewaretoken)', rest)
    scope = rest[: following.start()] if following else rest
    errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]*)<', scope)
    return any(escape(message) in error for error in errors)


# Time entries -----------------------------------------------------------------------------------


def test_api_time_entry_for_a_future_day_names_work_date(
    token_api_client: Callable[[User], APIClient], technician: User
):
    response = token_api_client(technician).post(
        "/api/time-entries/", {"work_date": "2026-03-11", "kind": "regular", "hours": "8"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"work_date": [FUTURE]}
    assert not TimeEntry.objects.exists()


def test_page_time_entry_for_a_future_day_shows_it_under_the_date(
    login: Callable[[User], Client], technician: User
):
    response = login(technician).post(
        reverse("staff:time_entry_create"),
        {"work_date": "2026-03-11", "kind": "regular", "hours": "8"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert after_field(html, "work_date", FUTURE)
    assert 'id="time-entry-form"' in html  # the form stays, in the week it was sent from
    assert not TimeEntry.objects.exists()


def test_api_time_entry_mileage_off_travel_names_mileage(
    token_api_client: Callable[[User], APIClient], technician: User
):
    response = token_api_client(technician).post(
        "/api/time-entries/",
        {"work_date": "2026-03-09", "kind": "regular", "hours": "8", "mileage": "12"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"mileage": [MILEAGE]}


def test_page_time_entry_over_a_full_day_shows_it_under_the_hours(
    login: Callable[[User], Client], technician: User
):
    # (The form drops mileage off travel, so that refusal is the API's alone.)
    timesheets.time_entry_create(
        actor=technician, work_date=dt.date(2026, 3, 9), kind="regular", hours=Decimal("20")
    )

    html = (
        login(technician)
        .post(
            reverse("staff:time_entry_create"), {"work_date": "2026-03-09", "kind": "on_call", "hours": "5"}
        )
        .content.decode()
    )

    assert after_field(html, "hours", "hours logged: a day has at most 24.")
    assert "Mon 09 Mar would have 25" in html  # 25 on SQLite, 25.00 on PostgreSQL


def test_api_time_entry_over_a_full_day_names_hours(
    token_api_client: Callable[[User], APIClient], technician: User
):
    client = token_api_client(technician)
    client.post(
        "/api/time-entries/", {"work_date": "2026-03-09", "kind": "regular", "hours": "20"}, format="json"
    )

    response = client.post(
        "/api/time-entries/", {"work_date": "2026-03-09", "kind": "on_call", "hours": "5"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["hours"]


# Overtime ---------------------------------------------------------------------------------------


@pytest.fixture
def team_member(supervisor: User) -> User:
    user = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=user, grade_number=20, supervisor=supervisor)
    return user


def _pending(requester: User) -> OvertimeRequest:
    rule = OvertimeRule.objects.get(effective_from=dt.date(2020, 7, 1), grade_min=18)
    made = OvertimeRequestFactory.create(
        requester=requester, rule=rule, work_date=TODAY + dt.timedelta(days=2)
    )
    OvertimeRequestEventFactory.create(request=made)
    return made


def test_api_overtime_request_for_a_past_day_names_work_date(
    token_api_client: Callable[[User], APIClient], team_member: User
):
    response = token_api_client(team_member).post(
        "/api/overtime-requests/",
        {"work_date": "2026-03-02", "expected_hours": "2", "reason": "Cart imaging"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["work_date"]
    assert "is in the past" in response.json()["work_date"][0]


def test_page_overtime_request_for_a_past_day_shows_it_under_the_date(
    login: Callable[[User], Client], team_member: User
):
    html = (
        login(team_member)
        .post(
            reverse("staff:overtime_request_create"),
            {"work_date": "2026-03-02", "expected_hours": "2", "reason": "Cart imaging"},
        )
        .content.decode()
    )

    assert after_field(html, "work_date", "2026-03-02 is in the past")


def test_page_overtime_deny_without_a_comment_shows_it_under_the_comment(
    login: Callable[[User], Client], supervisor: User, team_member: User
):
    made = _pending(team_member)

    response = login(supervisor).post(
        reverse("staff:overtime_request_deny", args=[made.pk]),
        {"version": made.version},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert after_field(html, "comment", "Say why the overtime is denied")
    assert "Say why" not in html.split('name="comment"')[0]  # not above the field


def _rule_data(**fields: str) -> dict[str, str]:
    return {
        "effective_from": "2027-01-01",
        "grade_min": "21",
        "grade_max": "25",
        "multiplier": "1.50",
        "weekly_threshold_hours": "40",
        "workweek_start": "6",
        "comp_time_rate": "1.50",
        "comp_time_cap_hours": "240",
        **fields,
    }


def test_api_overtime_rule_backdated_names_effective_from(
    token_api_client: Callable[[User], APIClient], admin_user: User
):
    response = token_api_client(admin_user).post(
        "/api/overtime-rules/",
        {
            "effective_from": "2026-01-01",
            "grade_min": 21,
            "grade_max": 25,
            "eligible": True,
            "multiplier": "1.50",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["effective_from"] and BACKDATED in response.json()["effective_from"][0]


def test_page_overtime_rule_backdated_shows_it_under_effective_from(
    login: Callable[[User], Client], admin_user: User
):
    html = (
        login(admin_user)
        .post(reverse("staff:overtime_rule_create"), _rule_data(effective_from="2026-01-01"))
        .content.decode()
    )

    assert after_field(html, "effective_from", BACKDATED)


def test_page_overtime_delegation_ending_before_it_starts_shows_it_under_the_end(
    login: Callable[[User], Client], supervisor: User
):
    delegate = UserFactory.create(roles=[Role.SUPERVISOR])

    html = (
        login(supervisor)
        .post(
            reverse("staff:overtime_delegation_create"),
            {"delegate": delegate.pk, "starts_on": "2026-03-20", "ends_on": "2026-03-12"},
        )
        .content.decode()
    )

    assert after_field(html, "ends_on", "The delegation must end on or after the day it starts.")
