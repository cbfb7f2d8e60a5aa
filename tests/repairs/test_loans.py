"""Loaner services and reads: lending against a ticket, taking back, what is due."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from core.exceptions import DomainError
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent
from repairs import selectors as repair_selectors
from repairs.choices import TicketStatus
from repairs.models import Loan
from repairs.services import loans as loan_services
from tests.fleet.factories import DeviceFactory, LoanFactory, LocationFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db


def _loaner(**kwargs: object):  # type: ignore[no-untyped-def]
    return DeviceFactory.create(is_loaner=True, status=DeviceStatus.LOANER_POOL, **kwargs)


def test_loan_check_out_lends_the_loaner_and_records_the_ticket(technician: User):
    school = LocationFactory.create()
    loaner = _loaner(location=school)
    ticket = TicketFactory.create(device__location=school)

    loan = loan_services.loan_check_out(
        loaner=loaner, ticket=ticket, borrower_id=" S1234567 ", actor=technician
    )

    loaner.refresh_from_db()
    assert loaner.status == DeviceStatus.LOANED_OUT
    assert loaner.location == school
    assert (loan.loaner, loan.ticket, loan.borrower_id, loan.checked_out_by) == (
        loaner,
        ticket,
        "S1234567",
        technician,
    )
    assert loan.returned_at is None
    event = CustodyEvent.objects.get(device=loaner)
    assert (event.kind, event.ticket, event.actor) == (CustodyEventKind.LOANED, ticket, technician)
    assert (event.from_status, event.to_status, event.to_assignee_id) == (
        DeviceStatus.LOANER_POOL,
        DeviceStatus.LOANED_OUT,
        "S1234567",
    )


@pytest.mark.parametrize("borrower_id", ["", "   ", "Jane Doe", "jane@example.org", "S" * 21])
def test_loan_check_out_with_a_borrower_that_is_not_an_id_raises(technician: User, borrower_id: str):
    loaner = _loaner()

    with pytest.raises(DomainError, match="student or staff ID"):
        loan_services.loan_check_out(
            loaner=loaner, ticket=TicketFactory.create(), borrower_id=borrower_id, actor=technician
        )

    assert not Loan.objects.exists()
    loaner.refresh_from_db()
    assert loaner.status == DeviceStatus.LOANER_POOL


@pytest.mark.parametrize(
    ("is_loaner", "status", "message"),
    [
        (False, DeviceStatus.LOANER_POOL, "not a loaner"),
        (True, DeviceStatus.LOANED_OUT, "not in the loaner pool"),
        (True, DeviceStatus.IN_REPAIR, "not in the loaner pool"),
        (False, DeviceStatus.DEPLOYED, "not a loaner"),
    ],
)
def test_loan_check_out_of_a_device_not_in_the_pool_raises(
    technician: User, is_loaner: bool, status: str, message: str
):
    device = DeviceFactory.create(is_loaner=is_loaner, status=status)

    with pytest.raises(DomainError, match=message):
        loan_services.loan_check_out(
            loaner=device, ticket=TicketFactory.create(), borrower_id="S1", actor=technician
        )

    assert not Loan.objects.exists()
    assert not CustodyEvent.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (TicketStatus.CLOSED, "closed"),
        (TicketStatus.RETURNED, "returned"),
        (TicketStatus.BEYOND_REPAIR, "beyond economical repair"),
        (TicketStatus.REPAIRED, "repaired"),
    ],
)
def test_loan_check_out_against_a_ticket_that_is_not_open_raises(technician: User, status: str, message: str):
    loaner = _loaner()

    with pytest.raises(DomainError, match=message):
        loan_services.loan_check_out(
            loaner=loaner, ticket=TicketFactory.create(status=status), borrower_id="S1", actor=technician
        )

    assert not Loan.objects.exists()


def test_loan_check_out_against_a_ticket_with_a_loaner_out_raises(technician: User):
    ticket = TicketFactory.create(status=TicketStatus.AT_VENDOR)
    first = _loaner(asset_tag="LN-0001")
    loan_services.loan_check_out(loaner=first, ticket=ticket, borrower_id="S1", actor=technician)

    with pytest.raises(DomainError, match="already has loaner LN-0001 out"):
        loan_services.loan_check_out(loaner=_loaner(), ticket=ticket, borrower_id="S1", actor=technician)

    assert Loan.objects.count() == 1


@pytest.mark.parametrize("actor", ["school_admin", "procurement"])
def test_loan_check_out_by_role_without_permission_is_denied(actor: str, request: pytest.FixtureRequest):
    user = request.getfixturevalue(actor)

    with pytest.raises(PermissionDenied):
        loan_services.loan_check_out(
            loaner=_loaner(), ticket=TicketFactory.create(), borrower_id="S1", actor=user
        )


def test_loan_return_puts_the_loaner_back_in_its_pool_and_closes_the_loan(technician: User, supervisor: User):
    school = LocationFactory.create()
    loaner = _loaner(location=school)
    ticket = TicketFactory.create()
    loan = loan_services.loan_check_out(loaner=loaner, ticket=ticket, borrower_id="S77", actor=technician)

    loan = loan_services.loan_return(loan=loan, actor=supervisor)

    loaner.refresh_from_db()
    assert (loaner.status, loaner.location, loaner.custodian) == (DeviceStatus.LOANER_POOL, school, None)
    assert loan.returned_at is not None
    assert loan.returned_to == supervisor
    event = CustodyEvent.objects.filter(device=loaner).order_by("pk").last()
    assert event is not None
    assert (event.kind, event.ticket, event.from_assignee_id) == (
        CustodyEventKind.LOAN_RETURNED,
        ticket,
        "S77",
    )
    assert (event.from_status, event.to_status) == (DeviceStatus.LOANED_OUT, DeviceStatus.LOANER_POOL)


def test_loan_return_twice_raises(technician: User):
    loan = loan_services.loan_check_out(
        loaner=_loaner(), ticket=TicketFactory.create(), borrower_id="S1", actor=technician
    )
    loan_services.loan_return(loan=loan, actor=technician)

    with pytest.raises(DomainError, match="already returned"):
        loan_services.loan_return(loan=loan, actor=technician)

    assert CustodyEvent.objects.filter(kind=CustodyEventKind.LOAN_RETURNED).count() == 1


def test_loan_return_of_a_loaner_no_longer_loaned_out_raises(technician: User):
    loan = LoanFactory.create(loaner__status=DeviceStatus.IN_REPAIR)

    with pytest.raises(DomainError, match="in repair, not loaned out"):
        loan_services.loan_return(loan=loan, actor=technician)

    loan.refresh_from_db()
    assert loan.returned_at is None


def test_loan_return_by_school_admin_is_denied(school_admin: User):
    with pytest.raises(PermissionDenied):
        loan_services.loan_return(loan=LoanFactory.create(), actor=school_admin)


def test_loan_after_return_the_same_ticket_may_get_another_loaner(technician: User):
    ticket = TicketFactory.create()
    loan = loan_services.loan_check_out(loaner=_loaner(), ticket=ticket, borrower_id="S1", actor=technician)
    loan_services.loan_return(loan=loan, actor=technician)

    loan_services.loan_check_out(loaner=_loaner(), ticket=ticket, borrower_id="S1", actor=technician)

    assert Loan.objects.filter(ticket=ticket, returned_at__isnull=True).count() == 1


# Reads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticket_status", "due"),
    [
        (TicketStatus.NEW, False),
        (TicketStatus.AT_VENDOR, False),
        (TicketStatus.REPAIRED, True),
        (TicketStatus.RETURNED, True),
        (TicketStatus.CLOSED, True),
    ],
)
def test_loans_due_lists_open_loans_whose_device_is_repaired_or_back(
    technician: User, ticket_status: str, due: bool
):
    loan = LoanFactory.create(ticket__status=ticket_status)
    LoanFactory.create(ticket__status=TicketStatus.CLOSED, returned_at=loan.checked_out_at)

    assert list(repair_selectors.loans_due(user=technician)) == ([loan] if due else [])


def test_loans_due_for_school_admin_lists_only_their_schools(school_admin: User):
    own = school_admin.profile.locations.get()
    mine = LoanFactory.create(loaner__location=own, ticket__status=TicketStatus.REPAIRED)
    LoanFactory.create(ticket__status=TicketStatus.REPAIRED)

    assert list(repair_selectors.loans_due(user=school_admin)) == [mine]


def test_loaner_pool_lists_available_and_out_with_due_state(technician: User):
    school = LocationFactory.create()
    available = _loaner(location=school)
    _loaner(location=LocationFactory.create())
    DeviceFactory.create(location=school, status=DeviceStatus.LOANER_POOL)  # not a loaner
    due = LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.REPAIRED)
    waiting = LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.IN_PROGRESS)

    pool = repair_selectors.loaner_pool(user=technician, location=school)

    assert pool.available == [available]
    assert pool.out == [due, waiting]
    assert [loan.is_due for loan in pool.out] == [True, False]  # type: ignore[attr-defined]
    assert pool.due_count == 1


def test_loaner_pool_list_counts_per_school(technician: User):
    school, other = LocationFactory.create(name="A school"), LocationFactory.create(name="B school")
    _loaner(location=school)
    _loaner(location=school)
    LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.CLOSED)
    LoanFactory.create(loaner__location=school, ticket__status=TicketStatus.NEW)
    # A loaner returned long ago has an old loan: it must not count as out or due again.
    old = _loaner(location=school)
    LoanFactory.create(loaner=old, ticket__status=TicketStatus.CLOSED, returned_at=old.created_at)

    rows = {
        s.location.name: (s.available, s.out, s.due)
        for s in repair_selectors.loaner_pool_list(user=technician)
    }

    assert rows["A school"] == (3, 2, 1)
    assert rows["B school"] == (0, 0, 0)
    assert other.name in rows


def test_ticket_for_loan_hides_tickets_of_other_schools_from_school_admin(school_admin: User):
    own = school_admin.profile.locations.get()
    mine = TicketFactory.create(device__location=own)
    other = TicketFactory.create()

    assert repair_selectors.ticket_for_loan(user=school_admin, ticket_id=mine.pk) == mine
    assert repair_selectors.ticket_for_loan(user=school_admin, ticket_id=other.pk) is None
