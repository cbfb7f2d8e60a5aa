"""Pay is private: a person's timesheets, pay and time are seen by the person, their supervisor,
that supervisor's active delegate and administrators, on every surface (pages, API and its
filters, the payroll CSV, the navigation). Procurement, other technicians and school
administrators see none of it, signed-off weeks included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from portal.selectors import navigation_for
from staff import permissions as staff_permissions
from staff.choices import TimesheetStatus
from staff.models import Timesheet
from staff.selectors import time as time_selectors
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    StaffProfileFactory,
    TimeEntryFactory,
    TimesheetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 3, 1)
PAY = "123.45"
SEES = {"member": True, "supervisor": True, "delegate": True, "admin_user": True}
BLIND = {"procurement": False, "school_admin": False, "technician": False, "lapsed_delegate": False}
EVERYONE = {**SEES, **BLIND}
PAYROLL_REFUSED = ("procurement", "supervisor", "delegate", "member", "school_admin", "technician")


@pytest.fixture
def member(supervisor: User) -> User:
    user = UserFactory.create(username="mia", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=user, supervisor=supervisor)
    return user


@pytest.fixture
def week(member: User) -> Timesheet:
    """A signed-off week with overtime pay: what procurement used to read for payroll."""
    TimeEntryFactory.create(user=member, work_date=WEEK)
    return TimesheetFactory.create(
        user=member, week_start=WEEK, status=TimesheetStatus.SIGNED_OFF, overtime_pay=Decimal(PAY)
    )


@pytest.fixture
def delegate(supervisor: User) -> User:
    """Another supervisor standing in for the member's supervisor today."""
    user = UserFactory.create(username="dee", roles=[Role.SUPERVISOR])
    OvertimeDelegationFactory.create(supervisor=supervisor, delegate=user)
    return user


@pytest.fixture
def lapsed_delegate(supervisor: User) -> User:
    """A supervisor whose delegation ended yesterday."""
    user = UserFactory.create(username="lou", roles=[Role.SUPERVISOR])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    OvertimeDelegationFactory.create(
        supervisor=supervisor, delegate=user, starts_on=yesterday - dt.timedelta(days=7), ends_on=yesterday
    )
    return user


@pytest.fixture
def actor(request: pytest.FixtureRequest, week: Timesheet, delegate: User, lapsed_delegate: User) -> User:
    return request.getfixturevalue(request.param)


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(("actor", "sees"), EVERYONE.items(), indirect=["actor"])
def test_timesheet_permission_and_selectors_follow_pay_privacy(actor: User, sees: bool, week: Timesheet):
    assert staff_permissions.can_view_timesheet(actor, week) is sees
    assert (week in time_selectors.timesheet_list(user=actor)) is sees
    assert time_selectors.time_entry_list(user=actor).filter(user=week.user).exists() is sees


@pytest.mark.parametrize(("actor", "sees"), EVERYONE.items(), indirect=["actor"])
def test_timesheet_page_shows_the_pay_only_to_those_who_may_see_it(
    actor: User, sees: bool, week: Timesheet, login: Callable[[User], Client]
):
    response = login(actor).get(reverse("staff:timesheet_detail", args=[week.pk]))

    assert response.status_code == (200 if sees else 404)
    assert (PAY in response.content.decode()) is sees


@pytest.mark.parametrize(("actor", "sees"), EVERYONE.items(), indirect=["actor"])
def test_timesheet_api_list_detail_and_search_follow_pay_privacy(actor: User, sees: bool, week: Timesheet):
    client = _api(actor)

    listed = client.get("/api/timesheets/").json()["results"]
    searched = client.get(
        "/api/timesheets/", {"user": str(week.user_id), "status": str(TimesheetStatus.SIGNED_OFF)}
    ).json()["results"]
    detail = client.get(f"/api/timesheets/{week.pk}/")
    entries = client.get("/api/time-entries/", {"user": week.user_id}).json()["results"]

    assert ([row["overtime_pay"] for row in listed if row["id"] == week.pk] == [PAY]) is sees
    assert ([row["id"] for row in searched] == [week.pk]) is sees
    assert detail.status_code == (200 if sees else 404)
    assert bool(entries) is sees


def test_team_timesheets_page_lists_the_delegated_team_for_the_delegate(
    week: Timesheet, delegate: User, login: Callable[[User], Client]
):
    response = login(delegate).get(reverse("staff:timesheet_team"), {"status": TimesheetStatus.SIGNED_OFF})

    assert [ts.pk for ts in response.context["page"]] == [week.pk]


def test_a_delegate_sees_the_team_but_does_not_sign_off_for_it(week: Timesheet, delegate: User):
    week.status = TimesheetStatus.SUBMITTED

    assert staff_permissions.can_view_timesheet(delegate, week)
    assert not staff_permissions.can_sign_off_timesheet(delegate, week)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("admin_user", True), *((name, False) for name in PAYROLL_REFUSED)],
    indirect=["actor"],
)
def test_payroll_page_csv_and_navigation_are_for_administrators_only(
    actor: User, allowed: bool, week: Timesheet, login: Callable[[User], Client]
):
    client = login(actor)
    dates = {"date_from": "2026-02-01", "date_to": "2026-03-31"}

    page = client.get(reverse("staff:timesheet_payroll"), dates)
    export = client.get(reverse("staff:timesheet_payroll_export"), dates)

    assert page.status_code == export.status_code == (200 if allowed else 403)
    if allowed:
        assert PAY in export.getvalue().decode()
    assert ("Payroll" in [item.label for item in navigation_for(user=actor)]) is allowed


def test_procurement_navigation_offers_no_time_or_pay_page(procurement: User):
    labels = {item.label for item in navigation_for(user=procurement)}

    assert labels.isdisjoint({"Payroll", "Timesheets", "My week"})
