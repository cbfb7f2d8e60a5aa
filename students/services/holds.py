"""The hold: a student with unpaid damage charges gets no new device until they are settled,
unless someone who manages charges overrides it with a reason.

What counts as unpaid: the balance (amount less paid) of charges that are *open* or *partly
paid*. A *proposed* charge does not count: it is the fee schedule's suggestion, not yet confirmed
by the people who manage charges, and it may still be changed or waived; holding a student's
device over an unconfirmed proposal would punish before anyone decided. Paid and waived
charges owe nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from core.exceptions import DomainError
from students import permissions
from students.choices import ChargeStatus
from students.models import Charge, ChargePolicy, Student

UNPAID_STATUSES = (ChargeStatus.OPEN, ChargeStatus.PARTLY_PAID)


def charge_policy() -> ChargePolicy:
    """The one policy row, or its defaults (hold on, above nothing) when nobody saved one."""
    return ChargePolicy.objects.filter(pk=1).first() or ChargePolicy(pk=1)


def student_unpaid_balance(*, student: Student) -> Decimal:
    """What the student owes on open and partly paid charges (proposed ones do not count)."""
    total = Charge.objects.filter(student=student, status__in=UNPAID_STATUSES).aggregate(
        owed=Coalesce(
            Sum(F("amount") - F("amount_paid")),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=10, decimal_places=2),
        )
    )["owed"]
    return Decimal(total).quantize(Decimal("0.01"))


def hold_refusal(*, student: Student) -> str | None:
    """Why the hold stops a hand-out to this student, or None when it does not."""
    policy = charge_policy()
    if not policy.hold_enabled:
        return None
    owed = student_unpaid_balance(student=student)
    if owed <= policy.hold_threshold:
        return None
    return (
        f"{student.identifier} owes ${owed:,.2f} in unpaid charges (the hold starts above "
        f"${policy.hold_threshold:,.2f}): settle them first, or someone who manages charges "
        "overrides the hold with a reason."
    )


def hold_check(*, student: Student, actor: User, override_reason: str = "") -> str:
    """Apply the hold to a hand-out: returns the override reason to record ('' when no hold).

    Raises DomainError naming ``hold_override_reason`` when the student is on hold and no reason
    is given, or the reason comes from someone who may not manage charges.
    """
    refusal = hold_refusal(student=student)
    if refusal is None:
        return ""
    override_reason = override_reason.strip()
    if not override_reason:
        raise DomainError(refusal, field="hold_override_reason")
    if not permissions.can_manage_charges(actor):
        raise DomainError(
            refusal + " Your role cannot override it: ask a supervisor or school administrator.",
            field="hold_override_reason",
        )
    return override_reason[:255]
