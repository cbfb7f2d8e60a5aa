"""The hold: what counts as unpaid, and when it refuses or lets an override through."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from core.exceptions import DomainError
from students.choices import ChargeStatus
from students.services import holds
from tests.students.factories import ChargeFactory, ChargePolicyFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_student_unpaid_balance_counts_open_and_partly_paid_not_proposed_paid_or_waived():
    student = StudentFactory.create()
    ChargeFactory.create(student=student, status=ChargeStatus.OPEN, amount=Decimal("40.00"))
    ChargeFactory.create(
        student=student,
        status=ChargeStatus.PARTLY_PAID,
        amount=Decimal("30.00"),
        amount_paid=Decimal("10.00"),
    )
    ChargeFactory.create(student=student, status=ChargeStatus.PROPOSED, amount=Decimal("99.00"))
    ChargeFactory.create(
        student=student, status=ChargeStatus.PAID, amount=Decimal("5.00"), amount_paid=Decimal("5.00")
    )
    ChargeFactory.create(student=student, status=ChargeStatus.WAIVED, amount=Decimal("7.00"))
    ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("50.00"))  # someone else's

    assert holds.student_unpaid_balance(student=student) == Decimal("60.00")


def test_student_unpaid_balance_with_no_charges_is_zero():
    assert holds.student_unpaid_balance(student=StudentFactory.create()) == Decimal("0.00")


def test_hold_refusal_names_the_amount_and_threshold_above_it():
    ChargePolicyFactory.create(hold_threshold=Decimal("10.00"))
    student = StudentFactory.create(identifier="S1000001")
    ChargeFactory.create(student=student, amount=Decimal("25.50"))

    refusal = holds.hold_refusal(student=student)

    assert refusal is not None and "S1000001 owes $25.50" in refusal and "above $10.00" in refusal


def test_hold_refusal_at_or_below_threshold_or_disabled_is_none():
    policy = ChargePolicyFactory.create(hold_threshold=Decimal("25.00"))
    student = StudentFactory.create()
    ChargeFactory.create(student=student, amount=Decimal("25.00"))
    assert holds.hold_refusal(student=student) is None

    ChargeFactory.create(student=student, amount=Decimal("1.00"))
    policy.hold_enabled = False
    policy.save()
    assert holds.hold_refusal(student=student) is None


def test_hold_without_policy_row_holds_above_zero():
    student = StudentFactory.create()
    ChargeFactory.create(student=student, amount=Decimal("0.01"))

    assert holds.hold_refusal(student=student) is not None


def test_hold_check_without_reason_raises_naming_the_override_field(supervisor: User):
    student = StudentFactory.create()
    ChargeFactory.create(student=student)

    with pytest.raises(DomainError) as caught:
        holds.hold_check(student=student, actor=supervisor, override_reason="  ")
    assert caught.value.field == "hold_override_reason"


def test_hold_check_override_by_technician_raises(technician: User):
    student = StudentFactory.create()
    ChargeFactory.create(student=student)

    with pytest.raises(DomainError, match="cannot override"):
        holds.hold_check(student=student, actor=technician, override_reason="Exam tomorrow")


def test_hold_check_override_by_charge_manager_returns_the_reason(supervisor: User):
    student = StudentFactory.create()
    ChargeFactory.create(student=student)

    assert (
        holds.hold_check(student=student, actor=supervisor, override_reason=" Exam tomorrow ")
        == "Exam tomorrow"
    )


def test_hold_check_with_nothing_owed_returns_empty(technician: User):
    assert holds.hold_check(student=StudentFactory.create(), actor=technician, override_reason="x") == ""
