import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.choices import Role
from accounts.models import StaffProfile, User
from core.exceptions import ConflictError, DomainError
from repairs.choices import TicketStatus
from staff.choices import OvertimeRequestEventKind, OvertimeRequestStatus
from staff.models import OvertimeDelegation, OvertimeRequest, OvertimeRequestEvent, OvertimeRule
from staff.services import overtime
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.fleet.factories import LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
TODAY = dt.date(2026, 3, 10)  # a Tuesday
RULE_CHANGE = dt.date(2027, 1, 1)  # the district makes ITSS II and III eligible
SEEDED = dt.date(2020, 7, 1)  # migration accounts/0003


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0, tzinfo=NY), tick=False):
        yield


def staff(grade: int, supervisor: User | None = None, roles: tuple[Role, ...] = (Role.TECHNICIAN,)) -> User:
    user = UserFactory.create(roles=list(roles))
    StaffProfileFactory.create(user=user, grade_number=grade, supervisor=supervisor)
    return user


def seeded_rule(grade: int) -> OvertimeRule:
    return OvertimeRule.objects.get(effective_from=SEEDED, grade_min__lte=grade, grade_max__gte=grade)


def add_rule(admin: User, **fields: object) -> OvertimeRule:
    values: dict[str, object] = {
        "effective_from": RULE_CHANGE,
        "grade_min": 21,
        "grade_max": 25,
        "eligible": True,
    }
    values.update(fields)
    return overtime.overtime_rule_create(created_by=admin, **values)  # type: ignore[arg-type]


def request_for(requester: User, work_date: dt.date = TODAY + dt.timedelta(days=3), **fields: object):
    values: dict[str, object] = {"expected_hours": Decimal("3.00"), "reason": "Lab imaging after hours"}
    values.update(fields)
    return overtime.overtime_request_create(
        requester=requester,
        work_date=work_date,
        **values,  # type: ignore[arg-type]
    )


# The rule table ----------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [18, 20, 23, 25])
@pytest.mark.parametrize("period", ["before_change", "after_change"])
@pytest.mark.parametrize("is_emergency", [False, True])
@pytest.mark.parametrize("when", ["past", "future"])
def test_overtime_request_create_follows_the_rule_table(
    grade: int, period: str, is_emergency: bool, when: str, admin_user: User, supervisor: User
):
    new_rule = add_rule(admin_user)
    requester = staff(grade, supervisor)
    today = TODAY if period == "before_change" else dt.date(2027, 3, 10)
    work_date = today + dt.timedelta(days=-8 if when == "past" else 10)
    eligible = grade <= 20 or period == "after_change"
    accepted = eligible and (when == "future" or is_emergency)

    with time_machine.travel(dt.datetime.combine(today, dt.time(12), tzinfo=NY), tick=False):
        if not accepted:
            with pytest.raises(DomainError) as excinfo:
                request_for(requester, work_date, is_emergency=is_emergency)
            assert not OvertimeRequest.objects.filter(requester=requester).exists()
            if not eligible:
                assert str(excinfo.value) == (
                    f"Grade {grade} (IT Systems Specialist {'II' if grade == 23 else 'III'}) is not eligible "
                    "for overtime under the rule in force from 2020-07-01 (grades 21\u201325)."
                )
            else:
                assert "in the past" in str(excinfo.value)
            return
        created = request_for(requester, work_date, is_emergency=is_emergency)

    expected_rule = new_rule if (grade > 20 and period == "after_change") else seeded_rule(grade)
    assert created.rule == expected_rule
    assert created.status == OvertimeRequestStatus.PENDING
    assert created.is_emergency is is_emergency
    assert created.emergency_reviewed_at is None
    event = created.events.get()
    assert (event.kind, event.rule, event.actor) == (
        OvertimeRequestEventKind.REQUESTED,
        expected_rule,
        requester,
    )


def test_overtime_request_create_for_today_without_emergency_is_accepted(technician: User):
    created = request_for(technician, TODAY)

    assert created.work_date == TODAY
    assert not created.is_emergency


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("16.25")])
def test_overtime_request_create_with_hours_out_of_range_raises(technician: User, hours: Decimal):
    with pytest.raises(DomainError, match="at most 16"):
        request_for(technician, expected_hours=hours)


def test_overtime_request_create_without_grade_raises(admin_user: User):
    with pytest.raises(DomainError, match="no staff grade"):
        request_for(admin_user)


def test_overtime_request_create_records_tickets_and_location(technician: User):
    ticket = TicketFactory.create(assignee=technician)
    location = LocationFactory.create()

    created = request_for(technician, tickets=[ticket], location=location)

    assert list(created.tickets.all()) == [ticket]
    assert created.location == location


def test_overtime_request_create_with_another_persons_ticket_raises_naming_tickets(technician: User):
    mine = TicketFactory.create(assignee=technician)
    theirs = TicketFactory.create(assignee=UserFactory.create(roles=[Role.TECHNICIAN]))
    unassigned = TicketFactory.create()

    with pytest.raises(DomainError) as excinfo:
        request_for(technician, tickets=[mine, theirs, unassigned])

    assert excinfo.value.field == "tickets"
    assert str(excinfo.value) == f"Tickets {theirs.pk} and {unassigned.pk} are not among your open tickets."
    assert not OvertimeRequest.objects.exists()
    assert not OvertimeRequestEvent.objects.exists()


def test_overtime_request_create_with_own_closed_ticket_raises_naming_tickets(technician: User):
    closed = TicketFactory.create(assignee=technician, status=TicketStatus.CLOSED)

    with pytest.raises(DomainError, match=f"Ticket {closed.pk} is not one of your open tickets") as excinfo:
        request_for(technician, tickets=[closed])

    assert excinfo.value.field == "tickets"
    assert not OvertimeRequest.objects.exists()


def test_overtime_request_create_at_inactive_location_raises_naming_location(technician: User):
    closed_school = LocationFactory.create(is_active=False, name="Old Mill ES")

    with pytest.raises(DomainError, match="Old Mill ES") as excinfo:
        request_for(technician, location=closed_school)

    assert excinfo.value.field == "location"
    assert not OvertimeRequest.objects.exists()


# Rule versions -----------------------------------------------------------------------------------


def test_overtime_rule_create_by_admin_adds_a_version(admin_user: User):
    rule = add_rule(admin_user, multiplier=Decimal("2.00"), notes="New regulations accepted")

    assert rule.created_by == admin_user
    assert (rule.effective_from, rule.grade_min, rule.grade_max, rule.eligible) == (RULE_CHANGE, 21, 25, True)
    assert OvertimeRule.objects.filter(grade_min=21).count() == 2


def test_overtime_rule_create_by_non_admin_is_refused(supervisor: User):
    with pytest.raises(PermissionDenied):
        add_rule(supervisor)


def test_overtime_rule_create_backdated_is_refused(admin_user: User):
    with pytest.raises(DomainError, match="cannot start in the past"):
        add_rule(admin_user, effective_from=TODAY - dt.timedelta(days=1))


def test_overtime_rule_create_from_today_is_accepted(admin_user: User):
    assert add_rule(admin_user, effective_from=TODAY).effective_from == TODAY


@pytest.mark.parametrize(("low", "high"), [(21, 25), (18, 22), (25, 30)])
def test_overtime_rule_create_overlapping_same_day_is_refused(admin_user: User, low: int, high: int):
    add_rule(admin_user)

    with pytest.raises(DomainError, match="already starts on 2027-01-01"):
        add_rule(admin_user, grade_min=low, grade_max=high)


def test_overtime_rule_create_with_inverted_range_is_refused(admin_user: User):
    with pytest.raises(DomainError, match="lowest grade"):
        add_rule(admin_user, grade_min=25, grade_max=21)


def test_rule_change_never_alters_a_past_request(admin_user: User, technician: User, supervisor: User):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)
    work_date = dt.date(2026, 3, 20)
    made = request_for(technician, work_date)
    decided = overtime.overtime_request_approve(
        overtime_request=made, decided_by=supervisor, expected_version=1
    )
    new_rule = add_rule(admin_user, effective_from=dt.date(2026, 3, 15), grade_min=18, grade_max=20)

    decided.refresh_from_db()
    assert decided.rule == seeded_rule(20)
    assert [event.rule for event in decided.events.all()] == [seeded_rule(20), seeded_rule(20)]
    assert new_rule.pk != decided.rule.pk


def test_decision_after_a_rule_change_records_the_rule_in_force_for_the_work_date(
    admin_user: User, technician: User, supervisor: User
):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)
    made = request_for(technician, dt.date(2026, 3, 20))
    new_rule = add_rule(
        admin_user, effective_from=dt.date(2026, 3, 15), grade_min=18, grade_max=20, multiplier=Decimal("2")
    )

    decided = overtime.overtime_request_approve(
        overtime_request=made, decided_by=supervisor, expected_version=1
    )

    assert decided.rule == seeded_rule(20)  # the request keeps the version it was made under
    assert decided.events.get(kind=OvertimeRequestEventKind.APPROVED).rule == new_rule


def test_approve_after_a_rule_change_making_grade_ineligible_is_refused(
    admin_user: User, technician: User, supervisor: User
):
    StaffProfile.objects.filter(user=technician).update(supervisor=supervisor)
    made = request_for(technician, dt.date(2026, 3, 20))
    add_rule(admin_user, effective_from=dt.date(2026, 3, 15), grade_min=18, grade_max=20, eligible=False)

    with pytest.raises(DomainError, match="makes this grade ineligible"):
        overtime.overtime_request_approve(overtime_request=made, decided_by=supervisor, expected_version=1)
    denied = overtime.overtime_request_deny(
        overtime_request=made, decided_by=supervisor, expected_version=1, comment="Not eligible any more"
    )
    assert denied.status == OvertimeRequestStatus.DENIED


# Who decides -------------------------------------------------------------------------------------


@pytest.fixture
def pending(supervisor: User) -> OvertimeRequest:
    return request_for(staff(20, supervisor))


def test_approve_by_own_supervisor_records_decision_event_and_emails(
    pending: OvertimeRequest, supervisor: User, django_capture_on_commit_callbacks: Callable
):
    with django_capture_on_commit_callbacks(execute=True):
        decided = overtime.overtime_request_approve(
            overtime_request=pending, decided_by=supervisor, expected_version=1, comment="Go ahead"
        )

    decided.refresh_from_db()
    assert decided.status == OvertimeRequestStatus.APPROVED
    assert (decided.decided_by, decided.decided_at, decided.decision_comment) == (
        supervisor,
        timezone.now(),
        "Go ahead",
    )
    assert decided.version == 2
    event = decided.events.get(kind=OvertimeRequestEventKind.APPROVED)
    assert (event.actor, event.rule, event.comment) == (supervisor, seeded_rule(20), "Go ahead")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [pending.requester.email]
    assert message.subject == "Overtime on 2026-03-13 approved"
    assert "Go ahead" in message.body


def test_email_is_sent_only_on_commit(
    pending: OvertimeRequest, supervisor: User, django_capture_on_commit_callbacks: Callable
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        overtime.overtime_request_approve(overtime_request=pending, decided_by=supervisor, expected_version=1)

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_approve_own_request_is_refused_even_for_an_admin(supervisor: User):
    admin_staff = staff(20, supervisor, roles=(Role.TECHNICIAN, Role.ADMIN))
    own = request_for(admin_staff)

    with pytest.raises(PermissionDenied, match="own"):
        overtime.overtime_request_approve(overtime_request=own, decided_by=admin_staff, expected_version=1)
    own.refresh_from_db()
    assert own.status == OvertimeRequestStatus.PENDING


def test_approve_by_another_teams_supervisor_is_refused(pending: OvertimeRequest):
    other = staff(25, roles=(Role.SUPERVISOR,))

    with pytest.raises(PermissionDenied):
        overtime.overtime_request_approve(overtime_request=pending, decided_by=other, expected_version=1)


def test_approve_by_active_delegate_is_allowed(pending: OvertimeRequest, supervisor: User):
    delegate = staff(25, roles=(Role.SUPERVISOR,))
    OvertimeDelegationFactory.create(
        supervisor=supervisor, delegate=delegate, starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=7)
    )

    decided = overtime.overtime_request_approve(
        overtime_request=pending, decided_by=delegate, expected_version=1
    )

    assert decided.decided_by == delegate


@pytest.mark.parametrize(("starts", "ends"), [(-14, -1), (1, 7)], ids=["expired", "not_started"])
def test_approve_by_delegate_outside_their_period_is_refused(
    pending: OvertimeRequest, supervisor: User, starts: int, ends: int
):
    delegate = staff(25, roles=(Role.SUPERVISOR,))
    OvertimeDelegationFactory.create(
        supervisor=supervisor,
        delegate=delegate,
        starts_on=TODAY + dt.timedelta(days=starts),
        ends_on=TODAY + dt.timedelta(days=ends),
    )

    with pytest.raises(PermissionDenied):
        overtime.overtime_request_approve(overtime_request=pending, decided_by=delegate, expected_version=1)


def test_approve_by_delegate_of_another_supervisor_is_refused(pending: OvertimeRequest):
    delegate = staff(25, roles=(Role.SUPERVISOR,))
    OvertimeDelegationFactory.create(delegate=delegate, starts_on=TODAY)

    with pytest.raises(PermissionDenied):
        overtime.overtime_request_approve(overtime_request=pending, decided_by=delegate, expected_version=1)


def test_approve_by_admin_is_allowed(pending: OvertimeRequest, admin_user: User):
    decided = overtime.overtime_request_approve(
        overtime_request=pending, decided_by=admin_user, expected_version=1
    )

    assert decided.status == OvertimeRequestStatus.APPROVED


def test_approve_by_requester_without_supervisor_only_admin_decides(admin_user: User):
    alone = request_for(staff(20))
    stranger = staff(25, roles=(Role.SUPERVISOR,))

    with pytest.raises(PermissionDenied):
        overtime.overtime_request_approve(overtime_request=alone, decided_by=stranger, expected_version=1)
    assert overtime.overtime_request_approve(
        overtime_request=alone, decided_by=admin_user, expected_version=1
    )


def test_deny_without_comment_raises(pending: OvertimeRequest, supervisor: User):
    with pytest.raises(DomainError, match="Say why"):
        overtime.overtime_request_deny(
            overtime_request=pending, decided_by=supervisor, expected_version=1, comment=" "
        )


def test_deny_with_comment_records_event_and_emails(
    pending: OvertimeRequest, supervisor: User, django_capture_on_commit_callbacks: Callable
):
    with django_capture_on_commit_callbacks(execute=True):
        overtime.overtime_request_deny(
            overtime_request=pending, decided_by=supervisor, expected_version=1, comment="Budget is spent"
        )

    pending.refresh_from_db()
    assert pending.status == OvertimeRequestStatus.DENIED
    assert pending.events.get(kind=OvertimeRequestEventKind.DENIED).comment == "Budget is spent"
    assert mail.outbox[0].subject == "Overtime on 2026-03-13 denied"
    assert "Budget is spent" in mail.outbox[0].body


def test_approve_with_stale_version_raises_conflict(pending: OvertimeRequest, supervisor: User):
    OvertimeRequest.objects.filter(pk=pending.pk).update(version=2)

    with pytest.raises(ConflictError):
        overtime.overtime_request_approve(overtime_request=pending, decided_by=supervisor, expected_version=1)
    assert not pending.events.exclude(kind=OvertimeRequestEventKind.REQUESTED).exists()


def test_approve_twice_with_old_version_raises_conflict(pending: OvertimeRequest, supervisor: User):
    overtime.overtime_request_approve(overtime_request=pending, decided_by=supervisor, expected_version=1)

    with pytest.raises(ConflictError):
        overtime.overtime_request_deny(
            overtime_request=pending, decided_by=supervisor, expected_version=1, comment="Changed my mind"
        )


def test_approve_when_no_longer_pending_raises(pending: OvertimeRequest, supervisor: User):
    overtime.overtime_request_approve(overtime_request=pending, decided_by=supervisor, expected_version=1)

    with pytest.raises(DomainError, match="already approved"):
        overtime.overtime_request_approve(overtime_request=pending, decided_by=supervisor, expected_version=2)


# Cancel, emergency review, delegations -------------------------------------------------------


def test_cancel_by_requester_while_pending(pending: OvertimeRequest):
    cancelled = overtime.overtime_request_cancel(
        overtime_request=pending, cancelled_by=pending.requester, expected_version=1
    )

    assert cancelled.status == OvertimeRequestStatus.CANCELLED
    assert cancelled.events.last().kind == OvertimeRequestEventKind.CANCELLED  # type: ignore[union-attr]


def test_cancel_by_someone_else_is_refused(pending: OvertimeRequest, supervisor: User):
    with pytest.raises(PermissionDenied):
        overtime.overtime_request_cancel(overtime_request=pending, cancelled_by=supervisor)


def test_cancel_after_decision_raises(pending: OvertimeRequest, supervisor: User):
    overtime.overtime_request_approve(overtime_request=pending, decided_by=supervisor, expected_version=1)

    with pytest.raises(DomainError, match="already approved"):
        overtime.overtime_request_cancel(overtime_request=pending, cancelled_by=pending.requester)


def test_emergency_review_by_supervisor_after_decision(supervisor: User):
    emergency = request_for(staff(20, supervisor), TODAY - dt.timedelta(days=2), is_emergency=True)
    overtime.overtime_request_approve(overtime_request=emergency, decided_by=supervisor, expected_version=1)

    reviewed = overtime.overtime_emergency_review(
        overtime_request=emergency, reviewed_by=supervisor, expected_version=2, comment="Server room flood"
    )

    assert reviewed.emergency_reviewed_at == timezone.now()
    event = reviewed.events.get(kind=OvertimeRequestEventKind.REVIEWED)
    assert (event.actor, event.rule, event.comment) == (supervisor, seeded_rule(20), "Server room flood")


def test_emergency_review_before_decision_or_twice_or_not_emergency_raises(supervisor: User):
    requester = staff(20, supervisor)
    emergency = request_for(requester, TODAY - dt.timedelta(days=2), is_emergency=True)
    with pytest.raises(DomainError, match="before marking"):
        overtime.overtime_emergency_review(overtime_request=emergency, reviewed_by=supervisor)

    overtime.overtime_request_approve(overtime_request=emergency, decided_by=supervisor, expected_version=1)
    overtime.overtime_emergency_review(overtime_request=emergency, reviewed_by=supervisor)
    with pytest.raises(DomainError, match="already reviewed"):
        overtime.overtime_emergency_review(overtime_request=emergency, reviewed_by=supervisor)

    ordinary = request_for(requester)
    overtime.overtime_request_approve(overtime_request=ordinary, decided_by=supervisor, expected_version=1)
    with pytest.raises(DomainError, match="Only emergency"):
        overtime.overtime_emergency_review(overtime_request=ordinary, reviewed_by=supervisor)


def test_emergency_review_by_requester_is_refused(supervisor: User, admin_user: User):
    emergency = request_for(staff(20, supervisor), TODAY - dt.timedelta(days=1), is_emergency=True)
    overtime.overtime_request_approve(overtime_request=emergency, decided_by=admin_user, expected_version=1)

    with pytest.raises(PermissionDenied):
        overtime.overtime_emergency_review(overtime_request=emergency, reviewed_by=emergency.requester)


def test_delegation_create_by_supervisor(supervisor: User):
    delegate = staff(25, roles=(Role.SUPERVISOR,))

    delegation = overtime.overtime_delegation_create(
        supervisor=supervisor, delegate=delegate, starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=5)
    )

    assert (delegation.supervisor, delegation.delegate) == (supervisor, delegate)


def test_delegation_create_to_self_or_backwards_or_past_raises(supervisor: User):
    delegate = staff(25, roles=(Role.SUPERVISOR,))
    with pytest.raises(DomainError, match="someone else"):
        overtime.overtime_delegation_create(
            supervisor=supervisor, delegate=supervisor, starts_on=TODAY, ends_on=TODAY
        )
    with pytest.raises(DomainError, match="on or after"):
        overtime.overtime_delegation_create(
            supervisor=supervisor, delegate=delegate, starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1)
        )
    with pytest.raises(DomainError, match="already over"):
        overtime.overtime_delegation_create(
            supervisor=supervisor,
            delegate=delegate,
            starts_on=TODAY - dt.timedelta(days=9),
            ends_on=TODAY - dt.timedelta(days=2),
        )


def test_delegation_create_to_someone_who_does_not_decide_overtime_raises_naming_delegate(
    supervisor: User, technician: User
):
    with pytest.raises(DomainError, match="neither a supervisor nor an administrator") as excinfo:
        overtime.overtime_delegation_create(
            supervisor=supervisor, delegate=technician, starts_on=TODAY, ends_on=TODAY
        )

    assert excinfo.value.field == "delegate"
    assert not OvertimeDelegation.objects.exists()


def test_delegation_create_to_an_administrator_is_allowed(supervisor: User, admin_user: User):
    delegation = overtime.overtime_delegation_create(
        supervisor=supervisor, delegate=admin_user, starts_on=TODAY, ends_on=TODAY
    )

    assert delegation.delegate == admin_user


def test_delegation_create_by_non_supervisor_is_refused(technician: User, supervisor: User):
    with pytest.raises(PermissionDenied):
        overtime.overtime_delegation_create(
            supervisor=technician, delegate=supervisor, starts_on=TODAY, ends_on=TODAY
        )


def test_overtime_request_approve_moves_logged_overtime_into_approved_in_the_open_week(supervisor: User):
    from staff.models import Timesheet
    from staff.services import timesheets

    requester = staff(20, supervisor)
    week = [dt.date(2026, 3, 8) + dt.timedelta(days=i) for i in range(3)]  # Sun 8 .. Tue 10 March
    for day in week:
        timesheets.time_entry_create(actor=requester, work_date=day, kind="regular", hours=Decimal("14.00"))
    pending = request_for(requester, work_date=TODAY, expected_hours=Decimal("2.00"))
    sheet = Timesheet.objects.get(user=requester, week_start=week[0])
    assert (sheet.overtime_hours_approved, sheet.overtime_hours_unapproved) == (Decimal("0"), Decimal("2"))

    overtime.overtime_request_approve(
        overtime_request=pending, decided_by=supervisor, expected_version=pending.version
    )

    sheet.refresh_from_db()
    assert (sheet.overtime_hours_approved, sheet.overtime_hours_unapproved) == (Decimal("2"), Decimal("0"))
