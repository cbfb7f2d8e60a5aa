"""Every pair of ticket statuses: allowed moves succeed and move the device, the rest are refused."""

from __future__ import annotations

import itertools

import pytest

from accounts.models import User
from core.exceptions import DomainError
from fleet.choices import CustodyEventKind, DeviceStatus
from repairs.choices import TicketEventKind, TicketStatus
from repairs.domain import workflow
from repairs.models import Ticket
from repairs.services import tickets
from tests.fleet.factories import CustodyEventFactory, DeviceFactory
from tests.repairs.factories import TicketFactory

pytestmark = pytest.mark.django_db

PAIRS = list(itertools.product(TicketStatus.values, repeat=2))


def _ticket_in(status: str) -> Ticket:
    """A ticket in ``status`` that meets every requirement, with its device where it would be."""
    device_status = workflow.device_status_for(status, before=DeviceStatus.DEPLOYED)
    return TicketFactory.create(
        status=status,
        device=DeviceFactory.create(status=device_status),
        vendor_reference="RMA-1",
        labour_minutes=30,
        resolution_summary="Replaced the panel",
    )


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_ticket_transition_follows_the_table(technician: User, from_status: str, to_status: str) -> None:
    ticket = _ticket_in(from_status)
    allowed = workflow.can_move(from_status, to_status)
    if not allowed:
        with pytest.raises(DomainError):
            tickets.ticket_transition(ticket=ticket, actor=technician, to_status=to_status, note="Because")
        ticket.refresh_from_db()
        assert ticket.status == from_status
        assert not ticket.events.exists()
        return
    moved = tickets.ticket_transition(ticket=ticket, actor=technician, to_status=to_status, note="Because")
    assert moved.status == to_status
    assert moved.version == 2
    event = ticket.events.get()
    assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, technician)
    expected_kind = (
        TicketEventKind.REOPENED
        if workflow.is_reopen(from_status, to_status)
        else TicketEventKind.STATUS_CHANGED
    )
    assert event.kind == expected_kind
    ticket.device.refresh_from_db()
    assert ticket.device.status == workflow.device_status_for(to_status, before=DeviceStatus.DEPLOYED)


def test_beyond_repair_is_final() -> None:
    assert workflow.next_statuses(TicketStatus.BEYOND_REPAIR) == []


def test_only_new_returned_and_closed_tickets_can_become_triaged() -> None:
    reopenable = {s for s in TicketStatus.values if workflow.can_move(s, TicketStatus.TRIAGED)}
    assert reopenable == {TicketStatus.NEW, TicketStatus.RETURNED, TicketStatus.CLOSED}


@pytest.mark.parametrize(
    ("before", "restored"),
    [
        (DeviceStatus.DEPLOYED, DeviceStatus.DEPLOYED),
        (DeviceStatus.IN_STOCK, DeviceStatus.IN_STOCK),
        (DeviceStatus.LOANER_POOL, DeviceStatus.LOANER_POOL),
        (DeviceStatus.LOANED_OUT, DeviceStatus.LOANER_POOL),
        (None, DeviceStatus.DEPLOYED),
    ],
)
def test_returned_device_goes_back_to_its_status_before_the_ticket(
    technician: User, before: str | None, restored: str
) -> None:
    ticket = _ticket_in(TicketStatus.REPAIRED)
    if before is not None:
        CustodyEventFactory.create(
            device=ticket.device,
            kind=CustodyEventKind.STATUS_CHANGED,
            from_status=before,
            to_status=DeviceStatus.IN_REPAIR,
            ticket_id=ticket.pk,
        )
    tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.RETURNED)
    ticket.device.refresh_from_db()
    assert ticket.device.status == restored


def test_device_status_change_names_the_ticket(technician: User) -> None:
    ticket = _ticket_in(TicketStatus.IN_PROGRESS)
    tickets.ticket_transition(ticket=ticket, actor=technician, to_status=TicketStatus.AT_VENDOR)
    event = ticket.device.custody_events.get()
    assert (event.from_status, event.to_status, event.ticket_id) == (
        DeviceStatus.IN_REPAIR,
        DeviceStatus.AT_VENDOR,
        ticket.pk,
    )
