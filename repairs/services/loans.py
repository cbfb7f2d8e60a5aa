"""Loaners: lend a device from the pool against an open repair ticket, and take it back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import DomainError
from fleet.models import Device
from fleet.services import devices as device_services
from repairs import permissions
from repairs.choices import OPEN_TICKET_STATUSES, TicketStatus
from repairs.models import Loan, Ticket


@transaction.atomic
def loan_check_out(*, loaner: Device, ticket: Ticket, borrower_id: str, actor: User) -> Loan:
    """Lend a loaner from the pool against an open repair ticket, to a person given by ID.

    The loaner becomes loaned out: a Loan row and a ``loaned`` custody event naming the ticket.
    Raises DomainError for a device that is not a loaner in the pool, a ticket that is closed
    (or repaired: its device is coming back) or already has a loaner out, and a borrower that
    is not an ID; PermissionDenied for roles that may not lend loaners.
    """
    if not permissions.can_lend_loaners(actor):
        raise PermissionDenied
    borrower_id = device_services.borrower_id_clean(borrower_id)
    # The ticket row is locked first so that two loaners cannot go out against one ticket.
    locked_ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked_ticket.status == TicketStatus.REPAIRED:
        raise DomainError(
            f"Ticket {ticket.pk} is repaired: its device is ready to go back, no loaner needed."
        )
    if locked_ticket.status not in OPEN_TICKET_STATUSES:
        raise DomainError(
            f"Ticket {ticket.pk} is {locked_ticket.get_status_display().lower()}: "
            "a loaner goes out only against an open ticket."
        )
    current = Loan.objects.filter(ticket=locked_ticket, returned_at__isnull=True).select_related("loaner")
    if (open_loan := current.first()) is not None:
        raise DomainError(f"Ticket {ticket.pk} already has loaner {open_loan.loaner.asset_tag} out.")
    lent = device_services.device_lend(
        device=loaner,
        borrower_id=borrower_id,
        actor=actor,
        reason=f"Loaner for ticket {locked_ticket.pk}",
        ticket_id=locked_ticket.pk,
    )
    loan = Loan(
        loaner=lent,
        ticket=locked_ticket,
        borrower_id=borrower_id,
        checked_out_by=actor,
        checked_out_at=timezone.now(),
    )
    loan.full_clean(validate_constraints=False)
    loan.save()
    return loan


@transaction.atomic
def loan_return(*, loan: Loan, actor: User) -> Loan:
    """Take a loaner back into its pool at its location and close the loan.

    Raises DomainError when the loan is already returned, or the loaner is no longer loaned out
    (sent to repair, lost): change its status on the device page instead.
    """
    if not permissions.can_lend_loaners(actor):
        raise PermissionDenied
    locked_loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if locked_loan.returned_at is not None:
        raise DomainError("This loaner was already returned.")
    device_services.device_take_back(
        device=Device(pk=locked_loan.loaner_id),
        borrower_id=locked_loan.borrower_id,
        actor=actor,
        reason=f"Returned after ticket {locked_loan.ticket_id}",
        ticket_id=locked_loan.ticket_id,
    )
    locked_loan.returned_at, locked_loan.returned_to = timezone.now(), actor
    locked_loan.full_clean(validate_constraints=False)
    locked_loan.save(update_fields=["returned_at", "returned_to", "updated_at"])
    return locked_loan
