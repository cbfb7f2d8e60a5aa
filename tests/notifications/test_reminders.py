"""Every reminder is sent once, and only to whom it concerns: each runs the beat job twice
through Celery and counts the emails in ``mail.outbox``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from notifications.choices import Cadence, NotificationKind
from notifications.models import Delivery
from repairs.choices import TicketEventKind, TicketStatus
from repairs.models import Loan
from staff.choices import OvertimeRequestStatus
from tests.accounts.factories import (
    OvertimeDelegationFactory,
    OvertimeRequestFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.fleet.factories import LoanFactory, LocationFactory
from tests.notifications.factories import NotificationPreferenceFactory
from tests.repairs.factories import (
    StockLevelFactory,
    StockMovementFactory,
    TicketEventFactory,
    TicketFactory,
)
from tests.students.factories import CollectionWindowFactory, HandoutFactory, StudentFactory

pytestmark = pytest.mark.django_db

Run = Callable[[], None]


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _overdue_loan(*, lender: User, assignee: User | None, repaired_days_ago: float = 4) -> Loan:
    now = timezone.now()
    ticket = TicketFactory.create(status=TicketStatus.REPAIRED, assignee=assignee)
    TicketEventFactory.create(
        ticket=ticket,
        kind=TicketEventKind.STATUS_CHANGED,
        from_status=TicketStatus.IN_PROGRESS,
        to_status=TicketStatus.REPAIRED,
        occurred_at=now - dt.timedelta(days=repaired_days_ago),
    )
    return LoanFactory.create(
        ticket=ticket, checked_out_by=lender, checked_out_at=now - dt.timedelta(days=10)
    )


# Loaners ---------------------------------------------------------------------------------------


def test_loan_overdue_is_sent_once_to_the_lender_and_the_assignee_only(
    clock, run_dispatch: Run, technician: User, supervisor: User, procurement: User
):
    assignee = UserFactory.create(roles=[Role.TECHNICIAN])
    UserFactory.create(roles=[Role.TECHNICIAN])  # another technician: not theirs
    loan = _overdue_loan(lender=technician, assignee=assignee)

    run_dispatch()
    run_dispatch()

    assert _recipients() == sorted([technician.email, assignee.email])
    assert mail.outbox[0].subject == f"Loaner {loan.loaner.asset_tag} is overdue"
    assert f"ticket {loan.ticket_id}" in mail.outbox[0].body
    assert Delivery.objects.filter(kind=NotificationKind.LOAN_OVERDUE).count() == 2


def test_loan_not_yet_overdue_returned_or_still_in_repair_sends_nothing(
    clock, run_dispatch: Run, technician: User
):
    _overdue_loan(lender=technician, assignee=None, repaired_days_ago=2)  # within the grace days
    returned = _overdue_loan(lender=technician, assignee=None)
    Loan.objects.filter(pk=returned.pk).update(returned_at=timezone.now())
    LoanFactory.create(
        ticket=TicketFactory.create(status=TicketStatus.IN_PROGRESS), checked_out_by=technician
    )

    run_dispatch()

    assert mail.outbox == []


def test_loan_overdue_switched_off_reaches_only_the_others(clock, run_dispatch: Run, technician: User):
    assignee = UserFactory.create(roles=[Role.TECHNICIAN])
    NotificationPreferenceFactory.create(
        user=technician, kind=NotificationKind.LOAN_OVERDUE, cadence=Cadence.OFF
    )
    _overdue_loan(lender=technician, assignee=assignee)

    run_dispatch()

    assert _recipients() == [assignee.email]


def test_loan_repaired_again_after_a_reopen_is_a_new_reminder(
    clock: time_machine.Coordinates, run_dispatch: Run, technician: User
):
    loan = _overdue_loan(lender=technician, assignee=None)
    run_dispatch()
    clock.shift(dt.timedelta(days=1))
    TicketEventFactory.create(
        ticket=loan.ticket,
        kind=TicketEventKind.STATUS_CHANGED,
        from_status=TicketStatus.IN_PROGRESS,
        to_status=TicketStatus.REPAIRED,
        occurred_at=timezone.now(),
    )
    run_dispatch()  # repaired again today: not overdue yet
    assert len(mail.outbox) == 1

    clock.shift(dt.timedelta(days=4))
    run_dispatch()
    run_dispatch()

    assert _recipients() == [technician.email, technician.email]


# Collection windows ----------------------------------------------------------------------------


def _staff_at(location, role: Role) -> User:
    user = UserFactory.create(roles=[role])
    StaffProfileFactory.create(user=user, grade_number=None, locations=[location])
    return user


def test_collection_overdue_is_sent_once_to_that_schools_staff_only(clock, run_dispatch: Run):
    school, other = LocationFactory.create(name="Maple"), LocationFactory.create(name="Oak")
    tech, principal = _staff_at(school, Role.TECHNICIAN), _staff_at(school, Role.SCHOOL_ADMIN)
    _staff_at(school, Role.PROCUREMENT)  # assigned there, but procurement never sees students
    _staff_at(other, Role.SCHOOL_ADMIN)
    _staff_at(other, Role.TECHNICIAN)
    today = timezone.localdate()
    CollectionWindowFactory.create(
        school=school, starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=1)
    )
    kept = HandoutFactory.create(
        student=StudentFactory.create(school=school), handed_out_at=timezone.now() - dt.timedelta(days=200)
    )
    back = HandoutFactory.create(
        student=StudentFactory.create(school=school),
        handed_out_at=timezone.now() - dt.timedelta(days=200),
        collected_at=timezone.now() - dt.timedelta(days=3),
    )
    HandoutFactory.create(student=StudentFactory.create(school=other))  # another school's

    run_dispatch()
    run_dispatch()

    assert _recipients() == sorted([tech.email, principal.email])
    body = mail.outbox[0].body
    assert kept.device.asset_tag in body and kept.student.identifier in body
    assert back.device.asset_tag not in body
    assert mail.outbox[0].subject == "1 device not returned at Maple"


def test_collection_window_not_yet_ended_sends_nothing(clock, run_dispatch: Run):
    school = LocationFactory.create()
    _staff_at(school, Role.SCHOOL_ADMIN)
    today = timezone.localdate()
    CollectionWindowFactory.create(school=school, starts_on=today - dt.timedelta(days=3), ends_on=today)
    HandoutFactory.create(
        student=StudentFactory.create(school=school), handed_out_at=timezone.now() - dt.timedelta(days=90)
    )

    run_dispatch()

    assert mail.outbox == []


def test_district_wide_collection_tells_each_school_only_of_its_own(clock, run_dispatch: Run):
    maple, oak = LocationFactory.create(name="Maple"), LocationFactory.create(name="Oak")
    maple_admin, oak_admin = _staff_at(maple, Role.SCHOOL_ADMIN), _staff_at(oak, Role.SCHOOL_ADMIN)
    today = timezone.localdate()
    CollectionWindowFactory.create(
        school=None, starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=2)
    )
    long_ago = timezone.now() - dt.timedelta(days=100)
    at_maple = HandoutFactory.create(student=StudentFactory.create(school=maple), handed_out_at=long_ago)
    at_oak = HandoutFactory.create(student=StudentFactory.create(school=oak), handed_out_at=long_ago)

    run_dispatch()
    run_dispatch()

    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert sorted(by_address) == sorted([maple_admin.email, oak_admin.email])
    assert at_maple.device.asset_tag in by_address[maple_admin.email]
    assert at_oak.device.asset_tag not in by_address[maple_admin.email]
    assert at_oak.device.asset_tag in by_address[oak_admin.email]


# Overtime --------------------------------------------------------------------------------------


def test_overtime_pending_is_sent_once_to_the_supervisor_and_their_delegate_only(
    clock, run_dispatch: Run, technician: User, supervisor: User
):
    technician.profile.supervisor = supervisor
    technician.profile.save()
    delegate = UserFactory.create(roles=[Role.SUPERVISOR])
    OvertimeDelegationFactory.create(supervisor=supervisor, delegate=delegate)
    other_supervisor = UserFactory.create(roles=[Role.SUPERVISOR])
    OvertimeDelegationFactory.create(
        supervisor=supervisor,
        delegate=other_supervisor,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )  # an ended delegation
    OvertimeRequestFactory.create(requester=technician)

    run_dispatch()
    run_dispatch()

    assert _recipients() == sorted([supervisor.email, delegate.email])
    assert "Terry Tech" in mail.outbox[0].subject


def test_overtime_decided_or_without_supervisor_sends_nothing(
    clock, run_dispatch: Run, technician: User, supervisor: User
):
    technician.profile.supervisor = supervisor
    technician.profile.save()
    OvertimeRequestFactory.create(requester=technician, status=OvertimeRequestStatus.APPROVED)
    loner = UserFactory.create(roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=loner)
    OvertimeRequestFactory.create(requester=loner)

    run_dispatch()

    assert mail.outbox == []


# Stock -----------------------------------------------------------------------------------------


def test_stock_low_as_it_happens_is_sent_once_to_procurement_only(
    clock, run_dispatch: Run, procurement: User, technician: User, supervisor: User
):
    NotificationPreferenceFactory.create(
        user=procurement, kind=NotificationKind.STOCK_LOW, cadence=Cadence.IMMEDIATE
    )
    low = StockLevelFactory.create(on_hand=2, reorder_point=2)
    StockLevelFactory.create(on_hand=5, reorder_point=2)
    StockLevelFactory.create(on_hand=0, reorder_point=0)  # no reorder point set: not watched

    run_dispatch()
    run_dispatch()

    assert _recipients() == [procurement.email]
    assert low.part.part_number in mail.outbox[0].subject


def test_stock_low_skips_a_superuser_who_is_not_procurement(clock, run_digest: Run, superuser: User):
    StockLevelFactory.create(on_hand=0, reorder_point=2)

    run_digest()

    assert mail.outbox == []


def test_stock_low_again_after_a_delivery_is_a_new_reminder(clock, run_dispatch: Run, procurement: User):
    NotificationPreferenceFactory.create(
        user=procurement, kind=NotificationKind.STOCK_LOW, cadence=Cadence.IMMEDIATE
    )
    low = StockLevelFactory.create(on_hand=1, reorder_point=2)
    run_dispatch()
    StockMovementFactory.create(part=low.part, stock_location=low.stock_location, quantity=1)
    low.on_hand = 2
    low.save()

    run_dispatch()
    run_dispatch()

    assert _recipients() == [procurement.email, procurement.email]


def test_stock_low_defaults_to_the_weekly_digest_not_an_email_each(
    clock, run_dispatch: Run, procurement: User
):
    StockLevelFactory.create(on_hand=0, reorder_point=2)

    run_dispatch()

    assert mail.outbox == []


# The weekly digest -----------------------------------------------------------------------------


def test_weekly_digest_groups_everything_pending_once_a_week(
    clock: time_machine.Coordinates,
    run_digest: Run,
    run_dispatch: Run,
    procurement: User,
    supervisor: User,
    technician: User,
):
    first, second = (
        StockLevelFactory.create(on_hand=0, reorder_point=2),
        StockLevelFactory.create(on_hand=1, reorder_point=3),
    )
    technician.profile.supervisor = supervisor
    technician.profile.save()
    NotificationPreferenceFactory.create(
        user=supervisor, kind=NotificationKind.OVERTIME_PENDING, cadence=Cadence.WEEKLY
    )
    OvertimeRequestFactory.create(requester=technician)
    _overdue_loan(lender=technician, assignee=None)  # the technician gets loaners as they happen

    run_digest()
    run_digest()

    digests = {message.to[0]: message for message in mail.outbox}
    assert sorted(digests) == sorted([procurement.email, supervisor.email])
    buyer = digests[procurement.email]
    assert buyer.subject == "FleetDesk weekly digest: 2 items waiting"
    assert first.part.part_number in buyer.body and second.part.part_number in buyer.body
    assert "Overtime" not in buyer.body
    assert "Terry Tech" in digests[supervisor.email].body
    assert first.part.part_number not in digests[supervisor.email].body

    run_dispatch()  # the weekly kinds send nothing as they happen; the loaner goes at once
    assert [message.to[0] for message in mail.outbox[2:]] == [technician.email]

    clock.shift(dt.timedelta(days=7))
    run_digest()

    assert len(mail.outbox) == 5


def test_weekly_digest_skips_people_with_nothing_weekly(clock, run_digest: Run, technician: User):
    _overdue_loan(lender=technician, assignee=None)

    run_digest()

    assert mail.outbox == []
