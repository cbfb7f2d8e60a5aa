"""Every write to repair tickets: open, move through the workflow, assign, escalate, vendor details,
loaners. Each writes one append-only TicketEvent and bumps the ticket's ``version``.

The device follows its ticket (see ``repairs.domain.workflow``): its status changes only through
``fleet.services.devices.device_change_status``, naming the ticket, so its custody timeline shows why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet.choices import DeviceStatus
from fleet.domain import lifecycle
from fleet.models import Device, Location
from fleet.selectors import devices as fleet_selectors
from fleet.services import devices as fleet_services
from repairs import permissions, selectors
from repairs.choices import (
    OPEN_TICKET_STATUSES,
    Coverage,
    DamageCause,
    Priority,
    SupportTier,
    TicketEventKind,
    TicketStatus,
)
from repairs.domain import workflow
from repairs.models import Loan, Ticket, TicketEvent, Vendor
from repairs.services import loans as loan_services

TIER_ORDER = [SupportTier.FIRST, SupportTier.SECOND, SupportTier.THIRD, SupportTier.VENDOR]

# A device in one of these cannot come into repair: it is gone, or out of service for good.
NOT_REPAIRABLE = frozenset({*lifecycle.GONE, DeviceStatus.RETIRED})
# One school visit's pile; more is split into several intakes.
MAX_INTAKE_CODES = 200
MAX_LABOUR_MINUTES = 24 * 60  # a day's work; the ticket's check constraint is the backstop


def _event(
    ticket: Ticket,
    *,
    kind: str,
    actor: User,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        occurred_at=timezone.now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _lock(ticket: Ticket, expected_version: int | None) -> Ticket:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError("This ticket changed since you opened it. Reload and try again.")
    return locked


def _save(ticket: Ticket, fields: list[str]) -> None:
    ticket.version += 1
    ticket.full_clean(validate_unique=False, validate_constraints=False)
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def _require_work(actor: User, ticket: Ticket) -> None:
    if not permissions.can_work_ticket(actor, ticket):
        raise PermissionDenied


def _require_location(reporter: User, location: Location | None) -> None:
    """A ticket is reported at an active location the reporter can see (the intake form's choices)."""
    if (
        location is not None
        and not fleet_selectors.location_list(user=reporter).filter(pk=location.pk).exists()
    ):
        raise DomainError(f"{location} is not an active location you can report at.", field="location")


def _require_labour(labour_minutes: int | None) -> None:
    if labour_minutes is not None and not 0 <= labour_minutes <= MAX_LABOUR_MINUTES:
        raise DomainError(
            f"Labour must be between 0 and {MAX_LABOUR_MINUTES} minutes (one day).", field="labour_minutes"
        )


def _sync_device(ticket: Ticket, *, actor: User, reason: str) -> None:
    """Bring the device's status in line with its ticket's, if it is not already."""
    before = None
    if workflow.DEVICE_STATUS_FOR[ticket.status] is None:
        before = selectors.device_status_before_ticket(ticket=ticket)
    target = workflow.device_status_for(ticket.status, before=before)
    device = Device.objects.only("pk", "status").get(pk=ticket.device_id)
    if device.status != target:
        fleet_services.device_change_status(
            device=device, actor=actor, to_status=target, reason=reason, ticket_id=ticket.pk
        )


# Opening -----------------------------------------------------------------------------------------


@transaction.atomic
def ticket_open(
    *,
    device: Device,
    reporter: User,
    symptom: str,
    damage_cause: str = DamageCause.UNKNOWN,
    problem_summary: str = "",
    priority: str = Priority.NORMAL,
    location: Location | None = None,
    start_repair: bool = False,
) -> Ticket:
    """Open a ticket for a device, reported at ``location`` (the device's own by default).

    A repair worker's ticket starts triaged and takes the device into repair at once; with
    ``start_repair`` (the technician has the device in hand) it moves on to in progress, both
    moves recorded. A school administrator's is a repair request: it starts new, and the device
    stays where it is until a technician triages it. Raises PermissionDenied for a user who may
    not open one for this device, DomainError for a device that already has an open ticket, or
    is lost or stolen, e-waste or retired, and for a ``location`` that is inactive or not the
    reporter's to see (naming ``location``).
    """
    if not permissions.can_open_ticket(reporter, device):
        raise PermissionDenied
    _require_location(reporter, location)
    # Locking the device serialises two people opening a ticket for it at once.
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if locked.status in NOT_REPAIRABLE:
        raise DomainError(
            f"{locked.asset_tag} is {locked.get_status_display().lower()}: it cannot be repaired."
        )
    current = Ticket.objects.open().filter(device=locked).only("pk").first()
    if current is not None:
        raise DomainError(f"{locked.asset_tag} already has open ticket #{current.pk}.")
    works = permissions.can_work_tickets(reporter)
    now = timezone.now()
    ticket = Ticket(
        device=locked,
        location_id=location.pk if location is not None else locked.location_id,
        reporter=reporter,
        opened_at=now,
        symptom=symptom,
        damage_cause=damage_cause,
        priority=priority,
        problem_summary=problem_summary.strip(),
        status=TicketStatus.TRIAGED if works else TicketStatus.NEW,
    )
    ticket.full_clean(validate_constraints=False)
    ticket.save()
    _event(
        ticket,
        kind=TicketEventKind.OPENED,
        actor=reporter,
        to_status=ticket.status,
        note="" if works else "Repair request",
    )
    if works:
        _sync_device(ticket, actor=reporter, reason=f"Ticket {ticket.pk} opened")
    if works and start_repair:
        return ticket_transition(
            ticket=ticket, actor=reporter, to_status=TicketStatus.IN_PROGRESS, expected_version=ticket.version
        )
    return ticket


@dataclass(frozen=True)
class IntakeRow:
    """One scan of a bulk intake: the ticket it opened, or why it did not."""

    code: str
    ticket: Ticket | None = None
    error: str = ""


def tickets_open_bulk(
    *,
    codes: Sequence[str],
    reporter: User,
    symptom: str,
    damage_cause: str = DamageCause.UNKNOWN,
    problem_summary: str = "",
    priority: str = Priority.NORMAL,
    location: Location | None = None,
) -> list[IntakeRow]:
    """Open one ticket per scanned code (a school visit's intake), reporting row by row.

    Not all or nothing: each row is its own transaction, so one unknown tag or a device that
    already has a ticket does not hold up the rest of the pile; its row says why. A code scanned
    twice is reported once as a duplicate. Raises PermissionDenied for roles that may not work
    tickets, DomainError (before any row) when no code is given, when more than
    ``MAX_INTAKE_CODES`` are (naming ``codes``), or when the location is refused as in
    ``ticket_open``.
    """
    if not permissions.can_work_tickets(reporter):
        raise PermissionDenied
    cleaned = [code.strip() for code in codes if code.strip()]
    if not cleaned:
        raise DomainError("Scan at least one device.", field="codes")
    if len(cleaned) > MAX_INTAKE_CODES:
        raise DomainError(f"At most {MAX_INTAKE_CODES} devices in one intake.", field="codes")
    _require_location(reporter, location)
    rows: list[IntakeRow] = []
    seen: set[str] = set()
    for code in cleaned:
        key = code.upper()
        if key in seen:
            rows.append(IntakeRow(code=code, error="Scanned twice in this intake."))
            continue
        seen.add(key)
        device = fleet_selectors.device_find_exact(user=reporter, identifier=code)
        if device is None:
            rows.append(IntakeRow(code=code, error="No single device has this asset tag or serial."))
            continue
        try:
            ticket = ticket_open(
                device=device,
                reporter=reporter,
                symptom=symptom,
                damage_cause=damage_cause,
                problem_summary=problem_summary,
                priority=priority,
                location=location,
            )
        except DomainError as exc:
            rows.append(IntakeRow(code=code, error=str(exc)))
        else:
            rows.append(IntakeRow(code=code, ticket=ticket))
    return rows


# The workflow ------------------------------------------------------------------------------------


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    actor: User,
    to_status: str,
    note: str = "",
    expected_version: int | None = None,
    labour_minutes: int | None = None,
    problem_summary: str | None = None,
    resolution_summary: str | None = None,
) -> Ticket:
    """Move a ticket to another status: the one place the workflow's rules are enforced.

    The move must be in ``workflow.ALLOWED_TRANSITIONS``. Going to a vendor needs the vendor or
    its RMA/dispatch reference (and stamps the shipping date); closing needs labour minutes, the
    problem summary and the resolution summary; beyond economical repair needs the resolution
    summary (why) and retires the device; a reopen (returned or closed back to the bench) needs
    a note and is recorded as REOPENED. Returning takes back an open loaner. The summaries and
    labour given here are saved with the move. The device's status follows the ticket.

    Raises PermissionDenied for roles that may not work tickets, ConflictError when
    ``expected_version`` is stale, DomainError for any other refusal (nothing is written),
    naming the input at fault: ``to_status`` for a move the workflow refuses, ``note`` for a
    reopen without one, the first missing of ``labour_minutes``, ``problem_summary`` and
    ``resolution_summary`` for a close, ``labour_minutes`` out of 0 to one day.
    """
    _require_work(actor, ticket)
    if to_status not in TicketStatus.values:
        raise DomainError(f"{to_status!r} is not a ticket status.", field="to_status")
    _require_labour(labour_minutes)
    locked = _lock(ticket, expected_version)
    from_status = locked.status
    if from_status == to_status:
        raise DomainError(
            f"The ticket is already {TicketStatus(to_status).label.lower()}.", field="to_status"
        )
    if not workflow.can_move(from_status, to_status):
        raise DomainError(workflow.refusal(from_status, to_status), field="to_status")
    fields = ["status"]
    if labour_minutes is not None:
        locked.labour_minutes = labour_minutes
        fields.append("labour_minutes")
    if problem_summary is not None:
        locked.problem_summary = problem_summary.strip()
        fields.append("problem_summary")
    if resolution_summary is not None:
        locked.resolution_summary = resolution_summary.strip()
        fields.append("resolution_summary")
    note = note.strip()
    reopen = workflow.is_reopen(from_status, to_status)
    now = timezone.now()

    if reopen and not note:
        raise DomainError("Say why the ticket is reopened.", field="note")
    if to_status == TicketStatus.AT_VENDOR:
        if locked.vendor_id is None and not locked.vendor_reference:
            raise DomainError("Record the vendor or its RMA or dispatch reference before sending it.")
        if locked.shipped_at is None:
            locked.shipped_at = now
            fields.append("shipped_at")
    if from_status == TicketStatus.AT_VENDOR and locked.vendor_returned_at is None:
        locked.vendor_returned_at = now
        fields.append("vendor_returned_at")
    if to_status == TicketStatus.CLOSED:
        missing = [
            (field, label)
            for field, label, value in (
                ("labour_minutes", "labour minutes", locked.labour_minutes is not None),
                ("problem_summary", "the problem summary", bool(locked.problem_summary)),
                ("resolution_summary", "the resolution summary", bool(locked.resolution_summary)),
            )
            if not value
        ]
        if missing:
            # The message lists every gap; the error names the first, where the form shows it.
            message = "To close the ticket, record " + ", ".join(label for _, label in missing) + "."
            raise DomainError(message, field=missing[0][0])
    if to_status == TicketStatus.BEYOND_REPAIR and not locked.resolution_summary:
        raise DomainError(
            "Say in the resolution summary why the device is beyond economical repair.",
            field="resolution_summary",
        )
    if to_status in workflow.FINISHED:
        locked.closed_at = now
        fields.append("closed_at")
    elif locked.closed_at is not None:
        locked.closed_at = None
        fields.append("closed_at")

    if to_status == TicketStatus.RETURNED and (loan := selectors.ticket_open_loan(ticket=locked)):
        loan_services.loan_return(loan=loan, actor=actor)
    locked.status = to_status
    _save(locked, fields)
    kind = TicketEventKind.REOPENED if reopen else TicketEventKind.STATUS_CHANGED
    _event(locked, kind=kind, actor=actor, note=note, from_status=from_status, to_status=to_status)
    label = "reopened" if reopen else TicketStatus(to_status).label.lower()
    _sync_device(locked, actor=actor, reason=f"Ticket {locked.pk} {label}")
    return locked


@transaction.atomic
def ticket_return_and_close(
    *,
    ticket: Ticket,
    actor: User,
    expected_version: int | None = None,
    note: str = "",
    labour_minutes: int | None = None,
    problem_summary: str | None = None,
    resolution_summary: str | None = None,
) -> Ticket:
    """Hand a repaired device back and close its ticket in one step (the technician returns it
    on the spot): the returned and closed moves of ``ticket_transition``, both or neither. A
    refused close (say, no labour recorded) leaves the ticket repaired, naming the field."""
    returned = ticket_transition(
        ticket=ticket,
        actor=actor,
        to_status=TicketStatus.RETURNED,
        note=note,
        expected_version=expected_version,
        labour_minutes=labour_minutes,
        problem_summary=problem_summary,
        resolution_summary=resolution_summary,
    )
    return ticket_transition(
        ticket=returned, actor=actor, to_status=TicketStatus.CLOSED, expected_version=returned.version
    )


def ticket_reopen(
    *,
    ticket: Ticket,
    actor: User,
    note: str,
    to_status: str = TicketStatus.TRIAGED,
    expected_version: int | None = None,
) -> Ticket:
    """Reopen a returned or closed ticket (back to triaged, or straight to in progress).

    Raises DomainError when the ticket is not returned or closed, or no reason is given.
    """
    if ticket.status not in workflow.REOPEN_FROM or to_status not in workflow.REOPEN_TO:
        raise DomainError("Only a returned or closed ticket can be reopened, to triaged or in progress.")
    return ticket_transition(
        ticket=ticket, actor=actor, to_status=to_status, note=note, expected_version=expected_version
    )


# Work on a ticket --------------------------------------------------------------------------------


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, actor: User, assignee: User | None, expected_version: int | None = None
) -> Ticket:
    """Give the ticket to a technician or supervisor (None: back to the unassigned queue).

    Raises DomainError for someone who does not take tickets, the current assignee, or a
    finished ticket.
    """
    _require_work(actor, ticket)
    locked = _lock(ticket, expected_version)
    if locked.status in workflow.FINISHED:
        raise DomainError("A finished ticket cannot be reassigned: reopen it first.")
    if assignee is not None and not permissions.can_be_assigned_tickets(assignee):
        raise DomainError(f"{assignee} does not take repair tickets.", field="assignee")
    if (assignee.pk if assignee else None) == locked.assignee_id:
        raise DomainError(
            "The ticket is already assigned to them." if assignee else "Nobody has it.", field="assignee"
        )
    locked.assignee = assignee
    _save(locked, ["assignee"])
    note = f"Assigned to {assignee}" if assignee is not None else "Unassigned"
    _event(locked, kind=TicketEventKind.ASSIGNED, actor=actor, note=note)
    return locked


@transaction.atomic
def ticket_escalate(
    *, ticket: Ticket, actor: User, note: str = "", expected_version: int | None = None
) -> Ticket:
    """Raise the ticket one support tier (first, second, third, vendor or warranty depot).

    Raises DomainError at the vendor tier already or for a finished ticket.
    """
    _require_work(actor, ticket)
    locked = _lock(ticket, expected_version)
    if locked.status in workflow.FINISHED:
        raise DomainError("A finished ticket cannot be escalated: reopen it first.")
    position = TIER_ORDER.index(SupportTier(locked.tier))
    if position == len(TIER_ORDER) - 1:
        raise DomainError("The ticket is already at the vendor or warranty depot tier.")
    from_tier, to_tier = SupportTier(locked.tier), TIER_ORDER[position + 1]
    locked.tier = to_tier
    _save(locked, ["tier"])
    text = f"{from_tier.label} → {to_tier.label}" + (f": {note.strip()}" if note.strip() else "")
    _event(locked, kind=TicketEventKind.ESCALATED, actor=actor, note=text)
    return locked


@transaction.atomic
def ticket_update_vendor(
    *,
    ticket: Ticket,
    actor: User,
    vendor: Vendor | None,
    vendor_reference: str = "",
    coverage: str = Coverage.NONE,
    shipped_at: dt.datetime | None = None,
    vendor_returned_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Record the vendor or warranty repair: vendor, RMA or dispatch reference, coverage, dates.

    Raises DomainError when the return date comes before the shipping date.
    """
    _require_work(actor, ticket)
    locked = _lock(ticket, expected_version)
    if shipped_at and vendor_returned_at and vendor_returned_at < shipped_at:
        raise DomainError(
            "The device cannot come back from the vendor before it was shipped.", field="vendor_returned_at"
        )
    locked.vendor = vendor
    locked.vendor_reference = vendor_reference.strip()
    locked.coverage = coverage
    locked.shipped_at, locked.vendor_returned_at = shipped_at, vendor_returned_at
    _save(locked, ["vendor", "vendor_reference", "coverage", "shipped_at", "vendor_returned_at"])
    parts = [str(vendor) if vendor else "no vendor"]
    if locked.vendor_reference:
        parts.append(f"ref {locked.vendor_reference}")
    if coverage:
        parts.append(Coverage(coverage).label.lower())
    _event(locked, kind=TicketEventKind.NOTE, actor=actor, note="Vendor details: " + ", ".join(parts))
    return locked


@transaction.atomic
def ticket_record_work(
    *,
    ticket: Ticket,
    actor: User,
    problem_summary: str,
    resolution_summary: str,
    labour_minutes: int | None,
    expected_version: int | None = None,
) -> Ticket:
    """Save the problem and resolution summaries and the labour so far (needed to close).

    Raises DomainError naming ``labour_minutes`` when they are not between 0 and one day.
    """
    _require_work(actor, ticket)
    _require_labour(labour_minutes)
    locked = _lock(ticket, expected_version)
    locked.problem_summary = problem_summary.strip()
    locked.resolution_summary = resolution_summary.strip()
    locked.labour_minutes = labour_minutes
    _save(locked, ["problem_summary", "resolution_summary", "labour_minutes"])
    _event(locked, kind=TicketEventKind.NOTE, actor=actor, note="Work recorded")
    return locked


# Loaners -----------------------------------------------------------------------------------------


@transaction.atomic
def ticket_loaner_check_out(*, ticket: Ticket, actor: User, loaner_code: str, borrower_id: str) -> Loan:
    """Hand a loaner from the pool to the device's user while the ticket is open.

    Raises DomainError for a code that matches no single device; the fleet's rules for the
    loaner and the ticket otherwise (``repairs.services.loans.loan_check_out``).
    """
    _require_work(actor, ticket)
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise DomainError("A loaner goes out only against an open ticket.")
    loaner = fleet_selectors.device_find_exact(user=actor, identifier=loaner_code)
    if loaner is None:
        raise DomainError("No single device has this asset tag or serial.", field="code")
    loan = loan_services.loan_check_out(loaner=loaner, ticket=ticket, borrower_id=borrower_id, actor=actor)
    _event(ticket, kind=TicketEventKind.NOTE, actor=actor, note=f"Loaner {loaner.asset_tag} handed out")
    return loan


@transaction.atomic
def ticket_loaner_return(*, ticket: Ticket, actor: User) -> Loan:
    """Take back the loaner lent against this ticket. Raises DomainError when none is out."""
    _require_work(actor, ticket)
    loan = selectors.ticket_open_loan(ticket=ticket)
    if loan is None:
        raise DomainError("No loaner is out against this ticket.")
    loan = loan_services.loan_return(loan=loan, actor=actor)
    _event(ticket, kind=TicketEventKind.NOTE, actor=actor, note=f"Loaner {loan.loaner.asset_tag} taken back")
    return loan
