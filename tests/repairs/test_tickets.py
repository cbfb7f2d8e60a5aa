"""Ticket services: every rule and refusal, the events they write, and who may call them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import Location
from repairs import permissions, selectors
from repairs.choices import (
    Coverage,
    StockMovementKind,
    SupportTier,
    Symptom,
    TicketEventKind,
    TicketStatus,
)
from repairs.models import Ticket
from repairs.services import tickets
from tests.accounts.factories import UserFactory
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LoanFactory, LocationFactory
from tests.repairs.factories import StockMovementFactory, TicketFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(school_admin: User) -> Location:
    return school_admin.profile.locations.get()


def _open(device_status: str = DeviceStatus.DEPLOYED, **kwargs: object) -> Ticket:
    return TicketFactory.create(device=DeviceFactory.create(status=device_status), **kwargs)


# Opening -------------------------------------------------------------------------------------------


def test_ticket_open_by_technician_starts_triaged_and_takes_device_into_repair(technician: User) -> None:
    device = DeviceFactory.create()
    ticket = tickets.ticket_open(
        device=device, reporter=technician, symptom=Symptom.SCREEN, damage_cause="accidental"
    )
    assert ticket.status == TicketStatus.TRIAGED
    assert ticket.location_id == device.location_id
    event = ticket.events.get()
    assert (event.kind, event.to_status, event.actor) == (
        TicketEventKind.OPENED,
        TicketStatus.TRIAGED,
        technician,
    )
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_REPAIR
    custody = device.custody_events.get()
    assert (custody.kind, custody.ticket_id) == (CustodyEventKind.STATUS_CHANGED, ticket.pk)


def test_ticket_open_by_school_admin_is_a_request_that_leaves_the_device(
    school_admin: User, school: Location
) -> None:
    device = DeviceFactory.create(location=school)
    ticket = tickets.ticket_open(device=device, reporter=school_admin, symptom=Symptom.KEYBOARD)
    assert ticket.status == TicketStatus.NEW
    assert ticket.events.get().note == "Repair request"
    device.refresh_from_db()
    assert device.status == DeviceStatus.DEPLOYED


def test_triaging_a_school_request_takes_the_device_into_repair(
    school_admin: User, school: Location, technician: User
) -> None:
    device = DeviceFactory.create(location=school)
    ticket = tickets.ticket_open(device=device, reporter=school_admin, symptom=Symptom.KEYBOARD)
    tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.TRIAGED)
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_REPAIR


def test_ticket_open_by_school_admin_for_another_school_is_denied(school_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        tickets.ticket_open(device=DeviceFactory.create(), reporter=school_admin, symptom=Symptom.SCREEN)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("role", [Role.PROCUREMENT, None])
def test_ticket_open_by_other_roles_is_denied(role: Role | None) -> None:
    user = UserFactory.create(roles=[role] if role else [])
    with pytest.raises(PermissionDenied):
        tickets.ticket_open(device=DeviceFactory.create(), reporter=user, symptom=Symptom.SCREEN)


@pytest.mark.parametrize("status", [DeviceStatus.LOST_STOLEN, DeviceStatus.E_WASTE, DeviceStatus.RETIRED])
def test_ticket_open_for_a_device_that_is_gone_raises(technician: User, status: str) -> None:
    with pytest.raises(DomainError, match="cannot be repaired"):
        tickets.ticket_open(
            device=DeviceFactory.create(status=status), reporter=technician, symptom=Symptom.SCREEN
        )
    assert not Ticket.objects.exists()


def test_ticket_open_when_the_device_has_an_open_ticket_raises(technician: User) -> None:
    existing = _open(DeviceStatus.IN_REPAIR, status=TicketStatus.IN_PROGRESS)
    with pytest.raises(DomainError, match=f"#{existing.pk}"):
        tickets.ticket_open(device=existing.device, reporter=technician, symptom=Symptom.BATTERY)


def test_ticket_open_after_a_closed_ticket_is_allowed(technician: User) -> None:
    closed = _open(status=TicketStatus.CLOSED)
    ticket = tickets.ticket_open(device=closed.device, reporter=technician, symptom=Symptom.BATTERY)
    assert ticket.pk != closed.pk


def test_ticket_open_for_a_device_already_in_repair_leaves_its_status(technician: User) -> None:
    device = DeviceFactory.create(status=DeviceStatus.IN_REPAIR)
    tickets.ticket_open(device=device, reporter=technician, symptom=Symptom.HINGE)
    assert not device.custody_events.exists()


def test_ticket_open_with_an_unknown_symptom_raises_validation(technician: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        tickets.ticket_open(device=DeviceFactory.create(), reporter=technician, symptom="sneezing")


def test_tickets_open_bulk_reports_each_row(technician: User) -> None:
    good, busy = DeviceFactory.create(), DeviceFactory.create(status=DeviceStatus.IN_REPAIR)
    TicketFactory.create(device=busy, status=TicketStatus.IN_PROGRESS)
    rows = tickets.tickets_open_bulk(
        codes=[good.asset_tag.lower(), "NOPE-1", busy.asset_tag, good.asset_tag, " "],
        reporter=technician,
        symptom=Symptom.SCREEN,
    )
    assert [bool(row.ticket) for row in rows] == [True, False, False, False]
    assert "No single device" in rows[1].error
    assert "already has open ticket" in rows[2].error
    assert rows[3].error == "Scanned twice in this intake."
    assert Ticket.objects.filter(device=good).count() == 1


def test_ticket_open_at_an_inactive_location_raises_naming_location(technician: User) -> None:
    closed_school = LocationFactory.create(is_active=False, name="Old Mill ES")

    with pytest.raises(DomainError, match="Old Mill ES") as exc:
        tickets.ticket_open(
            device=DeviceFactory.create(), reporter=technician, symptom=Symptom.SCREEN, location=closed_school
        )

    assert exc.value.field == "location"
    assert not Ticket.objects.exists()


def test_ticket_open_by_school_admin_at_another_school_raises_naming_location(
    school_admin: User, school: Location
) -> None:
    device = DeviceFactory.create(location=school)

    with pytest.raises(DomainError) as exc:
        tickets.ticket_open(
            device=device, reporter=school_admin, symptom=Symptom.SCREEN, location=LocationFactory.create()
        )

    assert exc.value.field == "location"
    assert not Ticket.objects.exists()


def test_tickets_open_bulk_at_an_inactive_location_raises_before_any_row(technician: User) -> None:
    device = DeviceFactory.create()

    with pytest.raises(DomainError) as exc:
        tickets.tickets_open_bulk(
            codes=[device.asset_tag],
            reporter=technician,
            symptom=Symptom.SCREEN,
            location=LocationFactory.create(is_active=False),
        )

    assert exc.value.field == "location"
    assert not Ticket.objects.exists()


def test_tickets_open_bulk_with_too_many_codes_raises_naming_codes(technician: User) -> None:
    device = DeviceFactory.create()
    codes = [device.asset_tag] + [f"NOPE-{n}" for n in range(tickets.MAX_INTAKE_CODES)]

    with pytest.raises(DomainError, match="At most 200 devices") as exc:
        tickets.tickets_open_bulk(codes=codes, reporter=technician, symptom=Symptom.SCREEN)

    assert exc.value.field == "codes"
    assert not Ticket.objects.exists()


def test_tickets_open_bulk_with_no_codes_raises(technician: User) -> None:
    with pytest.raises(DomainError):
        tickets.tickets_open_bulk(codes=["", "  "], reporter=technician, symptom=Symptom.SCREEN)


def test_tickets_open_bulk_by_school_admin_is_denied(school_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        tickets.tickets_open_bulk(codes=["X"], reporter=school_admin, symptom=Symptom.SCREEN)


# The workflow's rules ------------------------------------------------------------------------------


def test_ticket_close_without_labour_and_summaries_raises(technician: User) -> None:
    ticket = _open(status=TicketStatus.RETURNED, problem_summary="")
    with pytest.raises(DomainError) as exc:
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.CLOSED)
    assert "labour minutes, the problem summary, the resolution summary" in str(exc.value)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RETURNED
    assert not ticket.events.exists()


def test_ticket_close_with_work_given_on_the_move_closes(technician: User) -> None:
    ticket = _open(status=TicketStatus.RETURNED)
    closed = tickets.ticket_transition(
        ticket=ticket,
        actor=technician,
        to_status=TicketStatus.CLOSED,
        labour_minutes=25,
        resolution_summary="Replaced screen",
    )
    assert (closed.status, closed.labour_minutes, closed.resolution_summary) == (
        TicketStatus.CLOSED,
        25,
        "Replaced screen",
    )
    assert closed.closed_at is not None


@pytest.mark.parametrize("minutes", [-1, 24 * 60 + 1])
def test_ticket_transition_with_labour_out_of_range_raises_naming_labour_minutes(
    technician: User, minutes: int
) -> None:
    ticket = _open(status=TicketStatus.RETURNED)

    with pytest.raises(DomainError, match="between 0 and 1440") as exc:
        tickets.ticket_transition(
            ticket=ticket,
            actor=technician,
            to_status=TicketStatus.CLOSED,
            labour_minutes=minutes,
            resolution_summary="Replaced screen",
        )

    assert exc.value.field == "labour_minutes"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.labour_minutes) == (TicketStatus.RETURNED, None)
    assert not ticket.events.exists()


def test_ticket_to_vendor_without_vendor_or_reference_raises(technician: User) -> None:
    ticket = _open(DeviceStatus.IN_REPAIR, status=TicketStatus.IN_PROGRESS)
    with pytest.raises(DomainError, match="vendor"):
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.AT_VENDOR)


def test_ticket_to_vendor_stamps_shipping_and_back_stamps_return(technician: User) -> None:
    ticket = _open(DeviceStatus.IN_REPAIR, status=TicketStatus.IN_PROGRESS, vendor=VendorFactory.create())
    ticket = tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.AT_VENDOR)
    assert ticket.shipped_at is not None and ticket.vendor_returned_at is None
    assert ticket.device.custody_events.get().to_status == DeviceStatus.AT_VENDOR
    ticket = tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.REPAIRED)
    assert ticket.vendor_returned_at is not None


def test_beyond_repair_needs_a_reason_and_retires_the_device(technician: User) -> None:
    ticket = _open(DeviceStatus.IN_REPAIR, status=TicketStatus.IN_PROGRESS)
    with pytest.raises(DomainError, match="resolution summary"):
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.BEYOND_REPAIR)
    ticket = tickets.ticket_transition(
        ticket=ticket,
        actor=technician,
        to_status=TicketStatus.BEYOND_REPAIR,
        resolution_summary="Motherboard dead; costs more than a new one",
    )
    ticket.device.refresh_from_db()
    assert ticket.device.status == DeviceStatus.RETIRED
    assert ticket.closed_at is not None


def test_reopen_needs_a_note(technician: User) -> None:
    ticket = _open(status=TicketStatus.CLOSED, closed_at=timezone.now())
    with pytest.raises(DomainError, match="why"):
        tickets.ticket_reopen(ticket=ticket, actor=technician, note=" ")


def test_reopen_is_recorded_and_takes_the_device_back(technician: User) -> None:
    ticket = _open(status=TicketStatus.CLOSED, closed_at=timezone.now())
    ticket = tickets.ticket_reopen(ticket=ticket, actor=technician, note="Screen flickers again")
    assert ticket.status == TicketStatus.TRIAGED
    assert ticket.closed_at is None
    event = ticket.events.get()
    assert (event.kind, event.note) == (TicketEventKind.REOPENED, "Screen flickers again")
    ticket.device.refresh_from_db()
    assert ticket.device.status == DeviceStatus.IN_REPAIR


def test_ticket_reopen_of_an_open_ticket_raises(technician: User) -> None:
    ticket = _open(DeviceStatus.IN_REPAIR, status=TicketStatus.IN_PROGRESS)
    with pytest.raises(DomainError, match="Only a returned or closed"):
        tickets.ticket_reopen(ticket=ticket, actor=technician, note="x")


def test_ticket_transition_with_a_stale_version_raises_conflict(technician: User) -> None:
    ticket = _open(status=TicketStatus.NEW)
    with pytest.raises(ConflictError):
        tickets.ticket_transition(
            ticket=ticket, actor=technician, to_status=TicketStatus.TRIAGED, expected_version=7
        )


def test_ticket_transition_to_an_unknown_status_raises(technician: User) -> None:
    with pytest.raises(DomainError, match="not a ticket status"):
        tickets.ticket_transition(ticket=_open(), actor=technician, to_status="lost")


@pytest.mark.parametrize("fixture", ["school_admin", "procurement", "no_role_user"])
def test_ticket_transition_by_non_workers_is_denied(request: pytest.FixtureRequest, fixture: str) -> None:
    user = request.getfixturevalue(fixture)
    with pytest.raises(PermissionDenied):
        tickets.ticket_transition(ticket=_open(), actor=user, to_status=TicketStatus.TRIAGED)


@pytest.mark.parametrize("fixture", ["technician", "supervisor", "admin_user"])
def test_ticket_transition_by_workers_is_allowed(request: pytest.FixtureRequest, fixture: str) -> None:
    ticket = tickets.ticket_transition(
        ticket=_open(), actor=request.getfixturevalue(fixture), to_status=TicketStatus.TRIAGED
    )
    assert ticket.status == TicketStatus.TRIAGED


# Assignment, escalation, vendor details -------------------------------------------------------------


def test_ticket_assign_writes_the_event(supervisor: User, technician: User) -> None:
    ticket = tickets.ticket_assign(ticket=_open(), actor=supervisor, assignee=technician)
    assert ticket.assignee == technician
    event = ticket.events.get()
    assert (event.kind, event.actor) == (TicketEventKind.ASSIGNED, supervisor)


def test_ticket_assign_to_someone_who_takes_no_tickets_raises(supervisor: User, school_admin: User) -> None:
    with pytest.raises(DomainError, match="does not take"):
        tickets.ticket_assign(ticket=_open(), actor=supervisor, assignee=school_admin)


def test_ticket_assign_to_the_current_assignee_raises(technician: User) -> None:
    with pytest.raises(DomainError, match="already assigned"):
        tickets.ticket_assign(ticket=_open(assignee=technician), actor=technician, assignee=technician)


def test_ticket_assign_of_a_closed_ticket_raises(technician: User) -> None:
    with pytest.raises(DomainError, match="finished"):
        tickets.ticket_assign(ticket=_open(status=TicketStatus.CLOSED), actor=technician, assignee=technician)


def test_ticket_escalate_raises_one_tier(technician: User) -> None:
    ticket = tickets.ticket_escalate(ticket=_open(), actor=technician, note="Needs board work")
    assert ticket.tier == SupportTier.SECOND
    event = ticket.events.get()
    assert event.kind == TicketEventKind.ESCALATED
    assert event.note == "First level → Second level: Needs board work"


def test_ticket_escalate_at_the_vendor_tier_raises(technician: User) -> None:
    with pytest.raises(DomainError, match="already at the vendor"):
        tickets.ticket_escalate(ticket=_open(tier=SupportTier.VENDOR), actor=technician)


def test_ticket_update_vendor_records_the_rma(technician: User) -> None:
    vendor = VendorFactory.create(name="Depot Co")
    shipped = timezone.now()
    ticket = tickets.ticket_update_vendor(
        ticket=_open(),
        actor=technician,
        vendor=vendor,
        vendor_reference="RMA-42",
        coverage=Coverage.WARRANTY,
        shipped_at=shipped,
    )
    assert (ticket.vendor, ticket.vendor_reference, ticket.shipped_at) == (vendor, "RMA-42", shipped)
    assert ticket.events.get().note == "Vendor details: Depot Co, ref RMA-42, manufacturer warranty"


def test_ticket_update_vendor_with_return_before_shipping_raises(technician: User) -> None:
    now = timezone.now()
    with pytest.raises(DomainError, match="before it was shipped"):
        tickets.ticket_update_vendor(
            ticket=_open(),
            actor=technician,
            vendor=None,
            shipped_at=now,
            vendor_returned_at=now - dt.timedelta(days=1),
        )


def test_ticket_record_work_saves_the_summaries(technician: User) -> None:
    ticket = tickets.ticket_record_work(
        ticket=_open(),
        actor=technician,
        problem_summary="Dead",
        resolution_summary="Fixed",
        labour_minutes=15,
    )
    assert (ticket.problem_summary, ticket.resolution_summary, ticket.labour_minutes) == ("Dead", "Fixed", 15)
    assert ticket.version == 2


@pytest.mark.parametrize("minutes", [-5, 24 * 60 + 1])
def test_ticket_record_work_with_labour_out_of_range_raises_naming_labour_minutes(
    technician: User, minutes: int
) -> None:
    ticket = _open()

    with pytest.raises(DomainError) as exc:
        tickets.ticket_record_work(
            ticket=ticket,
            actor=technician,
            problem_summary="Dead",
            resolution_summary="",
            labour_minutes=minutes,
        )

    assert exc.value.field == "labour_minutes"
    ticket.refresh_from_db()
    assert (ticket.labour_minutes, ticket.version) == (None, 1)


# Loaners -----------------------------------------------------------------------------------------


def test_loaner_handed_out_and_taken_back_when_returned(technician: User) -> None:
    ticket = _open(DeviceStatus.IN_REPAIR, status=TicketStatus.REPAIRED)
    ticket.status = TicketStatus.IN_PROGRESS
    ticket.save()
    loaner = DeviceFactory.create(is_loaner=True, status=DeviceStatus.LOANER_POOL)
    loan = tickets.ticket_loaner_check_out(
        ticket=ticket, actor=technician, loaner_code=loaner.asset_tag, borrower_id="S123"
    )
    assert loan.ticket_id == ticket.pk
    tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.REPAIRED)
    tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.RETURNED)
    loan.refresh_from_db()
    loaner.refresh_from_db()
    assert loan.returned_at is not None
    assert loaner.status == DeviceStatus.LOANER_POOL


def test_ticket_loaner_return_without_a_loan_raises(technician: User) -> None:
    with pytest.raises(DomainError, match="No loaner"):
        tickets.ticket_loaner_return(ticket=_open(), actor=technician)


def test_ticket_loaner_return_takes_the_loaner_back(technician: User) -> None:
    loan = LoanFactory.create(ticket=_open(status=TicketStatus.IN_PROGRESS))
    tickets.ticket_loaner_return(ticket=loan.ticket, actor=technician)
    loan.refresh_from_db()
    assert loan.returned_at is not None


# Flags and turnaround ----------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC))
def test_flags_show_warranty_and_close_to_aue_with_costs() -> None:
    model = DeviceModelFactory.create(aue_month=dt.date(2026, 6, 1), unit_price=Decimal("299.00"))
    ticket = TicketFactory.create(device=DeviceFactory.create(model=model, warranty_end=dt.date(2026, 1, 15)))
    StockMovementFactory.create(
        ticket=ticket, kind=StockMovementKind.ISSUED, quantity=-2, unit_cost=Decimal("40.00")
    )
    StockMovementFactory.create(
        ticket=ticket, kind=StockMovementKind.RETURNED, quantity=1, unit_cost=Decimal("40.00")
    )
    flags = selectors.ticket_flags(ticket=ticket)
    assert flags.warranty_active
    assert flags.months_of_updates_left == 5
    assert flags.close_to_aue
    assert (flags.replacement_cost, flags.parts_cost) == (Decimal("299.00"), Decimal("40.00"))


@time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC))
def test_flags_for_a_young_device_out_of_warranty() -> None:
    model = DeviceModelFactory.create(aue_month=dt.date(2030, 6, 1))
    ticket = TicketFactory.create(device=DeviceFactory.create(model=model, warranty_end=dt.date(2026, 1, 14)))
    flags = selectors.ticket_flags(ticket=ticket)
    assert not flags.warranty_active
    assert not flags.close_to_aue
    assert flags.parts_cost == Decimal("0.00")


def test_turnaround_is_measured_from_events(technician: User) -> None:
    start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        ticket = _open(opened_at=start)
        clock.shift(dt.timedelta(hours=2))
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.TRIAGED)
        clock.shift(dt.timedelta(hours=1))
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.WAITING_FOR_PARTS)
        clock.shift(dt.timedelta(days=3))
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.IN_PROGRESS)
        clock.shift(dt.timedelta(hours=1))
        tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.REPAIRED)
        turnaround = selectors.ticket_turnaround(ticket=ticket)
        stats = selectors.turnaround_stats(user=technician)
    assert turnaround.time_to_triage == dt.timedelta(hours=2)
    assert turnaround.time_waiting_for_parts == dt.timedelta(days=3)
    assert turnaround.time_to_repair == dt.timedelta(days=3, hours=4)
    assert stats.tickets == 1
    assert stats.mean_time_to_repair == dt.timedelta(days=3, hours=4)


# Visibility and permissions ----------------------------------------------------------------------


def test_school_admin_sees_only_their_schools_tickets(school_admin: User, school: Location) -> None:
    mine = TicketFactory.create(device=DeviceFactory.create(location=school))
    TicketFactory.create(device=DeviceFactory.create(location=LocationFactory.create()))
    assert list(Ticket.objects.visible_to(school_admin)) == [mine]
    assert permissions.can_view_ticket(school_admin, mine)


@pytest.mark.parametrize("fixture", ["technician", "supervisor", "procurement", "admin_user"])
def test_district_staff_see_every_ticket(request: pytest.FixtureRequest, fixture: str) -> None:
    TicketFactory.create_batch(2)
    assert Ticket.objects.visible_to(request.getfixturevalue(fixture)).count() == 2


def test_no_role_sees_no_tickets(no_role_user: User) -> None:
    TicketFactory.create()
    assert not Ticket.objects.visible_to(no_role_user).exists()
    assert not permissions.can_view_tickets(no_role_user)


def test_can_open_ticket_by_role(
    technician: User, procurement: User, school_admin: User, school: Location
) -> None:
    own, other = DeviceFactory.create(location=school), DeviceFactory.create()
    assert permissions.can_open_ticket(technician, other)
    assert permissions.can_open_ticket(school_admin, own)
    assert not permissions.can_open_ticket(school_admin, other)
    assert not permissions.can_open_ticket(procurement, own)


def test_ticket_open_with_start_repair_goes_on_to_in_progress_recording_both_moves(technician: User) -> None:
    device = DeviceFactory.create()

    ticket = tickets.ticket_open(
        device=device, reporter=technician, symptom=Symptom.SCREEN, start_repair=True
    )

    assert ticket.status == TicketStatus.IN_PROGRESS
    assert [(event.kind, event.to_status) for event in ticket.events.order_by("pk")] == [
        (TicketEventKind.OPENED, TicketStatus.TRIAGED),
        (TicketEventKind.STATUS_CHANGED, TicketStatus.IN_PROGRESS),
    ]


def test_ticket_open_with_start_repair_by_school_admin_stays_a_request(
    school_admin: User, school: Location
) -> None:
    device = DeviceFactory.create(location=school)

    ticket = tickets.ticket_open(
        device=device, reporter=school_admin, symptom=Symptom.KEYBOARD, start_repair=True
    )

    assert ticket.status == TicketStatus.NEW


def test_ticket_return_and_close_moves_a_repaired_ticket_through_returned_to_closed(technician: User) -> None:
    ticket = TicketFactory.create(
        status=TicketStatus.REPAIRED, problem_summary="Cracked screen", device__status=DeviceStatus.IN_REPAIR
    )

    closed = tickets.ticket_return_and_close(
        ticket=ticket, actor=technician, labour_minutes=25, resolution_summary="New panel"
    )

    assert (closed.status, closed.labour_minutes, closed.resolution_summary) == (
        TicketStatus.CLOSED,
        25,
        "New panel",
    )
    assert [event.to_status for event in closed.events.order_by("pk")][-2:] == [
        TicketStatus.RETURNED,
        TicketStatus.CLOSED,
    ]


def test_ticket_return_and_close_without_labour_refuses_and_leaves_it_repaired(technician: User) -> None:
    ticket = TicketFactory.create(status=TicketStatus.REPAIRED, problem_summary="Cracked screen")

    with pytest.raises(DomainError) as refused:
        tickets.ticket_return_and_close(ticket=ticket, actor=technician, resolution_summary="New panel")

    assert refused.value.field == "labour_minutes"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution_summary) == (TicketStatus.REPAIRED, "")
