"""In the admin, overtime decisions and timesheet states are read-only; the actions go through the
staff services (the eligibility rule, ``decided_by``, the event), and time entries are saved and
deleted through the time services."""

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client

from accounts.models import User
from staff.choices import OvertimeRequestEventKind, OvertimeRequestStatus, TimesheetStatus
from staff.models import OvertimeRequest, OvertimeRequestEvent, TimeEntry, Timesheet
from staff.services import overtime, timesheets
from tests.core.admin_support import admin_url, change_form_data, run_action, shown_messages

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
TODAY = dt.date(2026, 3, 10)  # a Tuesday; its week starts on Sunday 8 March
WORK_DATE = dt.date(2026, 3, 20)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=NY), tick=False):
        yield


@pytest.fixture
def client_(superuser: User, login: Callable[[User], Client]) -> Client:
    return login(superuser)


@pytest.fixture
def pending(technician: User) -> OvertimeRequest:
    return overtime.overtime_request_create(
        requester=technician, work_date=WORK_DATE, expected_hours=Decimal("3.00"), reason="Lab imaging"
    )


# Overtime decisions ------------------------------------------------------------------------------


def test_overtime_request_change_form_posting_a_decision_leaves_it_pending(
    client_: Client, pending: OvertimeRequest, superuser: User
):
    data = change_form_data(client_, pending)
    assert not {"status", "decided_by", "decided_at"} & set(data)
    data.update(
        status=OvertimeRequestStatus.APPROVED, decided_by=str(superuser.pk), reason="Lab imaging, room 4"
    )

    response = client_.post(admin_url(pending, "change", pending.pk), data)

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.reason) == (
        OvertimeRequestStatus.PENDING,
        None,
        "Lab imaging, room 4",
    )
    assert list(pending.events.values_list("kind", flat=True)) == [OvertimeRequestEventKind.REQUESTED]


def test_overtime_approve_action_records_decider_and_event(
    client_: Client, pending: OvertimeRequest, superuser: User
):
    response = run_action(client_, OvertimeRequest, "approve_requests", [pending])

    pending.refresh_from_db()
    assert pending.status == OvertimeRequestStatus.APPROVED
    assert pending.decided_by == superuser
    assert pending.decided_at is not None
    event = pending.events.get(kind=OvertimeRequestEventKind.APPROVED)
    assert event.actor == superuser
    assert shown_messages(response) == ["Approved 1 overtime request."]
    message = LogEntry.objects.get(object_id=str(pending.pk), action_flag=CHANGE).get_change_message()
    assert "Status: Pending → Approved" in message
    assert f"Decided by: (empty) → {superuser}" in message


def test_overtime_approve_action_refuses_a_grade_made_ineligible_with_a_message(
    client_: Client, pending: OvertimeRequest, superuser: User
):
    overtime.overtime_rule_create(
        created_by=superuser, effective_from=dt.date(2026, 3, 15), grade_min=18, grade_max=20, eligible=False
    )

    response = run_action(client_, OvertimeRequest, "approve_requests", [pending])

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (OvertimeRequestStatus.PENDING, None)
    assert not pending.events.exclude(kind=OvertimeRequestEventKind.REQUESTED).exists()
    [message] = shown_messages(response)
    assert message.startswith(f"{pending} was not changed: Overtime on 2026-03-20 cannot be approved")
    assert "makes this grade ineligible" in message


def test_overtime_deny_action_asks_for_a_comment_then_denies(
    client_: Client, pending: OvertimeRequest, superuser: User
):
    no_comment = run_action(client_, OvertimeRequest, "deny_requests", [pending], comment="")
    assert no_comment.context["form"].errors == {"comment": ["This field is required."]}

    run_action(client_, OvertimeRequest, "deny_requests", [pending], comment="No budget this week")

    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_comment) == (
        OvertimeRequestStatus.DENIED,
        superuser,
        "No budget this week",
    )
    assert (
        OvertimeRequestEvent.objects.get(request=pending, kind=OvertimeRequestEventKind.DENIED).actor
        == superuser
    )


def test_overtime_request_cannot_be_added_in_admin(client_: Client):
    assert client_.get(admin_url(OvertimeRequest, "add")).status_code == 403


# Timesheets --------------------------------------------------------------------------------------


@pytest.fixture
def submitted(technician: User) -> Timesheet:
    timesheets.time_entry_create(actor=technician, work_date=TODAY, kind="regular", hours=Decimal("8.00"))
    sheet = Timesheet.objects.get(user=technician)
    return timesheets.timesheet_submit(timesheet=sheet, actor=technician)


def test_timesheet_fields_are_not_editable_in_admin(client_: Client, submitted: Timesheet, superuser: User):
    data = change_form_data(client_, submitted)
    data.update(status=TimesheetStatus.SIGNED_OFF, signed_off_by=str(superuser.pk), overtime_pay="999.00")

    client_.post(admin_url(submitted, "change", submitted.pk), data)

    submitted.refresh_from_db()
    assert (submitted.status, submitted.signed_off_by, submitted.overtime_pay) == (
        TimesheetStatus.SUBMITTED,
        None,
        Decimal("0.00"),
    )
    assert client_.get(admin_url(Timesheet, "add")).status_code == 403


def test_timesheet_sign_off_action_records_the_admin(client_: Client, submitted: Timesheet, superuser: User):
    response = run_action(client_, Timesheet, "sign_off", [submitted])

    submitted.refresh_from_db()
    assert (submitted.status, submitted.signed_off_by) == (TimesheetStatus.SIGNED_OFF, superuser)
    assert shown_messages(response) == ["Signed off 1 timesheet."]


def test_timesheet_reopen_action_goes_through_the_service(client_: Client, submitted: Timesheet):
    response = run_action(client_, Timesheet, "reopen", [submitted])

    submitted.refresh_from_db()
    assert submitted.status == TimesheetStatus.OPEN
    assert shown_messages(response) == ["Reopened 1 timesheet."]
    signed_off = run_action(client_, Timesheet, "sign_off", [submitted])
    assert shown_messages(signed_off) == [
        f"{submitted} was not changed: Only a submitted week can be signed off; this one is open."
    ]


# Time entries ------------------------------------------------------------------------------------


@pytest.fixture
def entry(technician: User) -> TimeEntry:
    return timesheets.time_entry_create(
        actor=technician, work_date=TODAY, kind="regular", hours=Decimal("8.00")
    )


def test_time_entry_change_in_admin_recomputes_the_week(client_: Client, entry: TimeEntry, superuser: User):
    data = change_form_data(client_, entry)
    data.update(hours="6.00")

    response = client_.post(admin_url(entry, "change", entry.pk), data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.hours == Decimal("6.00")
    assert Timesheet.objects.get(user=entry.user).total_hours == Decimal("6.00")
    message = LogEntry.objects.get(object_id=str(entry.pk), action_flag=CHANGE).get_change_message()
    assert "Hours: 8.00 → 6.00" in message


def test_time_entry_change_in_a_submitted_week_is_refused_beside_the_form(
    client_: Client, entry: TimeEntry, technician: User
):
    timesheets.timesheet_submit(timesheet=Timesheet.objects.get(user=technician), actor=technician)
    data = change_form_data(client_, entry)
    data.update(hours="12.00")

    response = client_.post(admin_url(entry, "change", entry.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The week of 08 Mar 2026 is submitted: its time can no longer change."
    ]
    entry.refresh_from_db()
    assert entry.hours == Decimal("8.00")
    assert not LogEntry.objects.filter(object_id=str(entry.pk)).exists()


def test_time_entry_added_in_admin_for_a_future_day_is_refused(client_: Client, technician: User):
    data = {"user": str(technician.pk), "work_date": "2026-03-11", "kind": "regular", "hours": "4.00"}

    response = client_.post(admin_url(TimeEntry, "add"), data)

    assert response.status_code == 200
    assert "You cannot log time for a day that has not started yet." in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_time_entry_added_in_admin_goes_through_the_service(client_: Client, technician: User):
    data = {"user": str(technician.pk), "work_date": "2026-03-09", "kind": "regular", "hours": "4.00"}

    response = client_.post(admin_url(TimeEntry, "add"), data)

    assert response.status_code == 302
    assert TimeEntry.objects.get(user=technician).hours == Decimal("4.00")
    assert Timesheet.objects.get(user=technician).total_hours == Decimal("4.00")


def test_time_entry_delete_in_admin_recomputes_the_week(client_: Client, entry: TimeEntry):
    response = client_.post(admin_url(entry, "delete", entry.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not TimeEntry.objects.exists()
    assert Timesheet.objects.get(user=entry.user).total_hours == Decimal("0.00")


def test_time_entry_delete_in_a_submitted_week_is_refused_with_a_message(
    client_: Client, entry: TimeEntry, technician: User
):
    timesheets.timesheet_submit(timesheet=Timesheet.objects.get(user=technician), actor=technician)

    response = client_.post(admin_url(entry, "delete", entry.pk), {"post": "yes"}, follow=True)

    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    assert shown_messages(response) == [
        f"{entry} was not deleted: The week of 08 Mar 2026 is submitted: its time can no longer change."
    ]
