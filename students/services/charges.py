"""Damage charges to students: proposed from the fee schedule, confirmed or waived by a person,
settled by payments with a receipt each.

Decisions, documented here because the hand-out, collection and ticket screens rely on them:

- Only accidental, intentional, liquid and lost-or-stolen damage is charged (``CHARGEABLE_CAUSES``);
  wear, warranty defects and unknown causes never are.
- The fee is the rule for the device's model, else the any-model rule for the cause; with no rule
  nothing is charged (``charge_propose`` returns None).
- A waived proposal is still written, as a ``waived`` charge holding the fee it would have been and
  the reason, so the student's record and the ticket show why nothing is owed, and proposing again
  finds it. Two cases are waived on the spot: the student's insurance covers the cause
  (``insured_until`` today or later and ``FeeRule.insurance_covers``), and the first incident of
  that cause for the student in the school year (July to June) when the rule waives first
  incidents. Every charge of the cause counts as an incident, waived ones included, so only the
  first is ever waived in a year.
- One charge per repair ticket and per hand-out: proposing again for either returns the charge
  already there. The student's row is locked while proposing, so two proposals cannot both count
  themselves the first incident or both create a charge.
- Amounts are ``Decimal`` with two places throughout; payments add to ``amount_paid`` by a
  conditional update that refuses to pass ``amount`` (a database constraint is the backstop).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet.models import Device
from repairs.choices import DamageCause
from repairs.models import Ticket
from students import permissions
from students.choices import ChargeStatus, PaymentMethod
from students.domain.charges import is_chargeable, money, school_year_start
from students.models import Charge, FeeRule, Handout, Payment, Student

# Charges still owed money or a decision: what the hold and the "unpaid" figures count.
UNSETTLED_STATUSES = (ChargeStatus.OPEN, ChargeStatus.PARTLY_PAID)
PAYABLE_STATUSES = (ChargeStatus.OPEN, ChargeStatus.PARTLY_PAID)
WAIVABLE_STATUSES = (ChargeStatus.PROPOSED, ChargeStatus.OPEN, ChargeStatus.PARTLY_PAID)


def fee_rule_for(*, damage_cause: str, device: Device) -> FeeRule | None:
    """The fee for this cause on this device's model, else the any-model fee; None when neither."""
    rules = {
        rule.device_model_id: rule
        for rule in FeeRule.objects.filter(
            Q(device_model_id=device.model_id) | Q(device_model__isnull=True), damage_cause=damage_cause
        )
    }
    return rules.get(device.model_id) or rules.get(None)


def _existing(*, ticket: Ticket | None, handout: Handout | None) -> Charge | None:
    if ticket is not None and (found := Charge.objects.filter(ticket=ticket).first()) is not None:
        return found
    if handout is not None:
        return Charge.objects.filter(handout=handout).first()
    return None


def _link(charge: Charge, *, ticket: Ticket | None, handout: Handout | None) -> Charge:
    """A charge found by its ticket learns its hand-out (and the other way round), so a proposal
    from the collection screen and one from the ticket page land on one charge."""
    changed: list[str] = []
    if ticket is not None and charge.ticket_id is None and charge.device_id == ticket.device_id:
        charge.ticket, changed = ticket, [*changed, "ticket"]
    if handout is not None and charge.handout_id is None and charge.student_id == handout.student_id:
        charge.handout, changed = handout, [*changed, "handout"]
    if changed:
        charge.save(update_fields=[*changed, "updated_at"])
    return charge


@transaction.atomic
def charge_propose(
    *,
    student: Student,
    device: Device,
    damage_cause: str,
    actor: User,
    ticket: Ticket | None = None,
    handout: Handout | None = None,
) -> Charge | None:
    """Propose the fee-schedule charge for damage to ``device`` while ``student`` had it.

    Returns None when the cause is not chargeable or the schedule has no fee for it; a ``waived``
    charge (with the reason) when the student's insurance covers it or it is their first incident
    of the cause this school year and the rule waives that; otherwise a ``proposed`` charge for
    the fee, to be confirmed or waived by someone who manages charges. Proposing again for the
    same ticket or hand-out returns the charge already made. Raises PermissionDenied for roles
    that do not hand out devices, DomainError when the ticket or hand-out is another device's or
    another student's.
    """
    if not (permissions.can_hand_out_devices(actor) or permissions.can_manage_charges(actor)):
        raise PermissionDenied
    if ticket is not None and ticket.device_id != device.pk:
        raise DomainError(f"Ticket {ticket.pk} is for another device.", field="ticket")
    if handout is not None and (handout.device_id != device.pk or handout.student_id != student.pk):
        raise DomainError("That hand-out is of another device or student.", field="handout")
    if not is_chargeable(damage_cause):
        return None
    # Serialises proposals for one student: the first-incident count and the one-charge-per-ticket
    # check below must see every charge a concurrent proposal might be making.
    locked = Student.objects.select_for_update().get(pk=student.pk)
    if (existing := _existing(ticket=ticket, handout=handout)) is not None:
        return _link(existing, ticket=ticket, handout=handout)
    rule = fee_rule_for(damage_cause=damage_cause, device=device)
    if rule is None:
        return None
    today = timezone.localdate()
    status, reason = ChargeStatus.PROPOSED, f"Fee schedule: {DamageCause(damage_cause).label.lower()}."
    if rule.insurance_covers and locked.insured_until is not None and locked.insured_until >= today:
        status = ChargeStatus.WAIVED
        reason = f"Covered by the device insurance plan (insured until {locked.insured_until:%Y-%m-%d})."
    elif rule.first_incident_waived:
        year_start = timezone.make_aware(dt.datetime.combine(school_year_start(today), dt.time.min))
        earlier = Charge.objects.filter(student=locked, damage_cause=damage_cause, created_at__gte=year_start)
        if not earlier.exists():
            status = ChargeStatus.WAIVED
            reason = "First incident of this cause this school year: waived by the fee schedule."
    charge = Charge(
        student=locked,
        device=device,
        ticket=ticket,
        handout=handout,
        damage_cause=damage_cause,
        fee_rule=rule,
        amount=rule.amount,
        status=status,
        reason=reason,
        created_by=actor,
    )
    charge.full_clean(validate_constraints=False)
    charge.save()
    return charge


def _lock(charge: Charge, expected_version: int | None) -> Charge:
    locked = Charge.objects.select_for_update().get(pk=charge.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError("This charge changed since you opened it. Reload and try again.")
    return locked


@transaction.atomic
def charge_confirm(
    *,
    charge: Charge,
    actor: User,
    amount: Decimal | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Charge:
    """Confirm a proposed charge: it becomes open, owed by the student.

    The amount may be changed from the schedule's fee, with a reason. Raises PermissionDenied for
    roles that do not manage charges; ConflictError when the charge changed since the caller read
    it; DomainError when it is not proposed, the amount is negative or not in cents (``amount``), or
    the amount changed without a reason (``reason``).
    """
    if not permissions.can_manage_charges(actor):
        raise PermissionDenied
    locked = _lock(charge, expected_version)
    if locked.status != ChargeStatus.PROPOSED:
        raise DomainError(
            f"This charge is {locked.get_status_display().lower()}: only a proposed one is confirmed."
        )
    reason = reason.strip()
    if amount is not None:
        amount = money(amount, field="amount")
        if amount < 0:
            raise DomainError("The amount cannot be negative.", field="amount")
        if amount != locked.amount:
            if not reason:
                raise DomainError(
                    f"Say why the amount differs from the fee of {locked.amount}.", field="reason"
                )
            locked.amount = amount
    if locked.amount == 0:
        raise DomainError("A charge of 0.00 is waived, not confirmed: use Waive.", field="amount")
    if reason:
        locked.reason = reason[:255]
    locked.status = ChargeStatus.OPEN
    locked.version += 1
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["amount", "status", "reason", "version", "updated_at"])
    return locked


@transaction.atomic
def charge_waive(*, charge: Charge, actor: User, reason: str, expected_version: int | None = None) -> Charge:
    """Waive what is left of a charge: the student owes nothing more on it.

    Payments already taken stay (and ``amount_paid`` with them). Raises PermissionDenied for roles
    that do not manage charges; ConflictError when the charge changed since the caller read it;
    DomainError without a reason (``reason``) or when it is already paid or waived.
    """
    if not permissions.can_manage_charges(actor):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the charge is waived.", field="reason")
    locked = _lock(charge, expected_version)
    if locked.status not in WAIVABLE_STATUSES:
        raise DomainError(f"This charge is {locked.get_status_display().lower()}: there is nothing to waive.")
    locked.status, locked.reason = ChargeStatus.WAIVED, reason[:255]
    locked.version += 1
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["status", "reason", "version", "updated_at"])
    return locked


def _receipt_number(charge: Charge) -> str:
    """``C<charge>-<n>``: the charge's n-th payment. Unique because the charge row is locked while
    its payments are counted and the next one written."""
    return f"C{charge.pk:06d}-{charge.payments.count() + 1:02d}"


@transaction.atomic
def charge_pay(*, charge: Charge, actor: User, amount: Decimal, method: str, note: str = "") -> Payment:
    """Record money received against an open or partly paid charge, and its receipt.

    ``amount_paid`` grows by a conditional update that matches only while the payment fits in
    what is owed, so two clerks taking the last payment at once cannot overpay it; the status
    becomes ``paid`` when nothing is left, else ``partly_paid``. Raises PermissionDenied for roles
    that do not manage charges; DomainError when the charge is not payable, the amount is not a
    positive amount in cents or is more than the balance (``amount``), or the method is unknown
    (``method``).
    """
    if not permissions.can_manage_charges(actor):
        raise PermissionDenied
    amount = money(amount, field="amount")
    if amount <= 0:
        raise DomainError("The payment must be more than 0.00.", field="amount")
    if method not in PaymentMethod.values:
        raise DomainError("Choose how it was paid.", field="method")
    locked = _lock(charge, None)
    if locked.status not in PAYABLE_STATUSES:
        raise DomainError(
            f"This charge is {locked.get_status_display().lower()}: payments are taken on open charges."
        )
    updated = Charge.objects.filter(
        pk=locked.pk, status__in=PAYABLE_STATUSES, amount_paid__lte=F("amount") - amount
    ).update(
        amount_paid=F("amount_paid") + amount,
        status=Case(
            When(amount=F("amount_paid") + amount, then=Value(ChargeStatus.PAID)),
            default=Value(ChargeStatus.PARTLY_PAID),
        ),
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise DomainError(f"That is more than the {locked.balance} still owed.", field="amount")
    payment = Payment(
        charge=locked,
        amount=amount,
        method=method,
        received_at=timezone.now(),
        received_by=actor,
        receipt_number=_receipt_number(locked),
        note=note.strip()[:255],
    )
    payment.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:  # the receipt number, should the lock ever be bypassed
        raise ConflictError("Another payment was recorded at the same moment. Try again.") from exc
    charge.refresh_from_db()
    return payment
