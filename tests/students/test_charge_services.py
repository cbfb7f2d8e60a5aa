"""Charges: proposed from the fee schedule, confirmed, waived and paid, each rule and refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pghistory
import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied

from core.exceptions import ConflictError, DomainError
from repairs.choices import DamageCause
from students.choices import ChargeStatus, PaymentMethod
from students.models import Charge, Payment
from students.services import charges as services
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import TicketFactory
from tests.students.factories import (
    ChargeFactory,
    FeeRuleFactory,
    HandoutFactory,
    PaymentFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


def _propose(actor, device=None, student=None, cause=DamageCause.ACCIDENTAL, **kwargs):
    return services.charge_propose(
        student=student or StudentFactory.create(),
        device=device or DeviceFactory.create(),
        damage_cause=cause,
        actor=actor,
        **kwargs,
    )


def _history(model_name: str, pk: int):
    """The pghistory rows of one object (PostgreSQL triggers write them)."""
    return apps.get_model("students", model_name).objects.filter(pgh_obj_id=pk)


# Proposing ------------------------------------------------------------------------------------


def test_charge_propose_uses_the_rule_for_the_device_model_before_the_any_model_rule(technician):
    device = DeviceFactory.create()
    FeeRuleFactory.create(device_model=None, amount=Decimal("40.00"))
    model_rule = FeeRuleFactory.create(device_model=device.model, amount=Decimal("65.50"))

    charge = _propose(technician, device=device)

    assert charge is not None
    assert (charge.status, charge.amount, charge.fee_rule) == (
        ChargeStatus.PROPOSED,
        Decimal("65.50"),
        model_rule,
    )
    assert charge.created_by == technician
    assert charge.reason == "Fee schedule: accidental."


def test_charge_propose_falls_back_to_the_any_model_rule(technician):
    any_model = FeeRuleFactory.create(
        device_model=None, damage_cause=DamageCause.LOST, amount=Decimal("300.00")
    )
    FeeRuleFactory.create(damage_cause=DamageCause.LOST, amount=Decimal("1.00"))  # another model's

    charge = _propose(technician, cause=DamageCause.LOST)

    assert charge is not None
    assert (charge.fee_rule, charge.amount, charge.damage_cause) == (any_model, Decimal("300.00"), "lost")


def test_charge_propose_without_a_rule_for_the_cause_charges_nothing(technician):
    FeeRuleFactory.create(device_model=None, damage_cause=DamageCause.LIQUID)

    assert _propose(technician, cause=DamageCause.INTENTIONAL) is None
    assert not Charge.objects.exists()


@pytest.mark.parametrize("cause", [DamageCause.WEAR, DamageCause.UNKNOWN, DamageCause.WARRANTY_DEFECT])
def test_charge_propose_for_a_cause_that_is_never_charged_returns_none(technician, cause):
    FeeRuleFactory.create(device_model=None, damage_cause=cause)

    assert _propose(technician, cause=cause) is None
    assert not Charge.objects.exists()


@time_machine.travel(dt.datetime(2026, 10, 5, 15, 0, tzinfo=dt.UTC), tick=False)
def test_charge_propose_for_an_insured_student_is_waived_with_the_reason(technician):
    FeeRuleFactory.create(device_model=None, insurance_covers=True, amount=Decimal("50.00"))
    student = StudentFactory.create(insured_until=dt.date(2026, 10, 5))

    charge = _propose(technician, student=student)

    assert charge is not None
    assert (charge.status, charge.amount, charge.balance) == (
        ChargeStatus.WAIVED,
        Decimal("50.00"),
        Decimal("0.00"),
    )
    assert charge.reason == "Covered by the device insurance plan (insured until 2026-10-05)."


@time_machine.travel(dt.datetime(2026, 10, 5, 15, 0, tzinfo=dt.UTC), tick=False)
def test_charge_propose_when_insurance_lapsed_or_rule_not_covered_charges(technician):
    FeeRuleFactory.create(device_model=None, insurance_covers=True)
    FeeRuleFactory.create(device_model=None, damage_cause=DamageCause.LOST, insurance_covers=False)
    lapsed = StudentFactory.create(insured_until=dt.date(2026, 10, 4))
    insured = StudentFactory.create(insured_until=dt.date(2027, 6, 30))

    assert _propose(technician, student=lapsed).status == ChargeStatus.PROPOSED
    assert _propose(technician, student=insured, cause=DamageCause.LOST).status == ChargeStatus.PROPOSED


def test_charge_propose_first_incident_of_the_school_year_is_waived_and_the_second_charged(technician):
    FeeRuleFactory.create(device_model=None, first_incident_waived=True, amount=Decimal("30.00"))
    FeeRuleFactory.create(device_model=None, damage_cause=DamageCause.LIQUID, first_incident_waived=True)
    student = StudentFactory.create()

    with time_machine.travel(dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)):
        first = _propose(technician, student=student)
    with time_machine.travel(dt.datetime(2027, 5, 1, 12, tzinfo=dt.UTC)):
        second = _propose(technician, student=student)
        other_cause = _propose(technician, student=student, cause=DamageCause.LIQUID)

    assert (first.status, first.reason) == (
        ChargeStatus.WAIVED,
        "First incident of this cause this school year: waived by the fee schedule.",
    )
    assert (second.status, second.amount) == (ChargeStatus.PROPOSED, Decimal("30.00"))
    assert other_cause.status == ChargeStatus.WAIVED


def test_charge_propose_first_incident_counts_again_from_july(technician):
    FeeRuleFactory.create(device_model=None, first_incident_waived=True)
    student = StudentFactory.create()

    with time_machine.travel(dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC)):
        last_year = _propose(technician, student=student)
    with time_machine.travel(dt.datetime(2026, 7, 2, 12, tzinfo=dt.UTC)):
        this_year = _propose(technician, student=student)

    assert (last_year.status, this_year.status) == (ChargeStatus.WAIVED, ChargeStatus.WAIVED)


def test_charge_propose_first_incident_not_waived_when_the_rule_does_not_say_so(technician):
    FeeRuleFactory.create(device_model=None, first_incident_waived=False)

    assert _propose(technician).status == ChargeStatus.PROPOSED


def test_charge_propose_twice_for_one_ticket_or_handout_makes_one_charge(technician):
    FeeRuleFactory.create(device_model=None)
    handout = HandoutFactory.create()
    ticket = TicketFactory.create(device=handout.device, damage_cause=DamageCause.ACCIDENTAL)
    kwargs = {"student": handout.student, "device": handout.device}

    by_ticket = _propose(technician, ticket=ticket, **kwargs)
    with_both = _propose(technician, ticket=ticket, handout=handout, **kwargs)
    by_handout = _propose(technician, handout=handout, **kwargs)

    assert by_ticket.pk == with_both.pk == by_handout.pk
    stored = Charge.objects.get()
    assert (stored.ticket, stored.handout) == (ticket, handout)


def test_charge_propose_from_collection_then_from_the_ticket_makes_one_charge(technician):
    FeeRuleFactory.create(device_model=None)
    handout = HandoutFactory.create()
    ticket = TicketFactory.create(device=handout.device)
    kwargs = {"student": handout.student, "device": handout.device}

    at_collection = _propose(technician, handout=handout, ticket=ticket, **kwargs)
    on_ticket_page = _propose(technician, ticket=ticket, **kwargs)

    assert at_collection.pk == on_ticket_page.pk
    assert Charge.objects.count() == 1


def test_charge_propose_with_a_ticket_of_another_device_raises_naming_ticket(technician):
    FeeRuleFactory.create(device_model=None)
    ticket = TicketFactory.create()

    with pytest.raises(DomainError) as raised:
        _propose(technician, ticket=ticket)

    assert raised.value.field == "ticket"
    assert not Charge.objects.exists()


def test_charge_propose_with_a_handout_of_another_student_raises_naming_handout(technician):
    FeeRuleFactory.create(device_model=None)
    handout = HandoutFactory.create()

    with pytest.raises(DomainError) as raised:
        _propose(technician, handout=handout, device=handout.device)

    assert raised.value.field == "handout"


def test_charge_propose_by_procurement_is_denied(procurement):
    FeeRuleFactory.create(device_model=None)

    with pytest.raises(PermissionDenied):
        _propose(procurement)
    assert not Charge.objects.exists()


@pytest.mark.postgres
def test_charge_propose_writes_a_history_row_with_the_actor(technician):
    FeeRuleFactory.create(device_model=None)
    with pghistory.context(user=technician.pk):
        charge = _propose(technician)

    rows = list(
        _history("ChargeHistory", charge.pk).values_list("pgh_label", "status", "pgh_context__metadata__user")
    )
    assert rows == [("insert", ChargeStatus.PROPOSED, technician.pk)]


# Confirming ----------------------------------------------------------------------------------


def test_charge_confirm_opens_it_at_the_fee(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, amount=Decimal("25.00"))

    confirmed = services.charge_confirm(charge=charge, actor=supervisor, expected_version=charge.version)

    assert (confirmed.status, confirmed.amount, confirmed.version) == (ChargeStatus.OPEN, Decimal("25.00"), 2)
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.OPEN


def test_charge_confirm_with_a_new_amount_keeps_the_reason(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, amount=Decimal("25.00"))

    confirmed = services.charge_confirm(
        charge=charge, actor=supervisor, amount=Decimal("12.50"), reason="Only the keyboard"
    )

    stored = Charge.objects.get(pk=charge.pk)
    assert (stored.amount, stored.reason, stored.status) == (Decimal("12.50"), "Only the keyboard", "open")
    assert confirmed.balance == Decimal("12.50")


def test_charge_confirm_with_a_new_amount_and_no_reason_raises_naming_reason(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, amount=Decimal("25.00"))

    with pytest.raises(DomainError) as raised:
        services.charge_confirm(charge=charge, actor=supervisor, amount=Decimal("20.00"), reason="  ")

    assert raised.value.field == "reason"
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.PROPOSED


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-1.00"), "cannot be negative"),
        (Decimal("1.005"), "to the cent"),
        (Decimal("0.00"), "waived, not confirmed"),
        (Decimal("1000000.00"), "at most"),
        (Decimal("NaN"), "dollars and cents"),
    ],
)
def test_charge_confirm_with_a_bad_amount_raises_naming_amount(supervisor, amount, message):
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED)

    with pytest.raises(DomainError, match=message) as raised:
        services.charge_confirm(charge=charge, actor=supervisor, amount=amount, reason="Why")

    assert raised.value.field == "amount"
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.PROPOSED


def test_charge_confirm_when_not_proposed_raises(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    with pytest.raises(DomainError, match="only a proposed one"):
        services.charge_confirm(charge=charge, actor=supervisor)


def test_charge_confirm_with_a_stale_version_raises_conflict(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED, version=3)

    with pytest.raises(ConflictError):
        services.charge_confirm(charge=charge, actor=supervisor, expected_version=2)
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.PROPOSED


def test_charge_confirm_by_a_technician_is_denied(technician):
    charge = ChargeFactory.create(status=ChargeStatus.PROPOSED)

    with pytest.raises(PermissionDenied):
        services.charge_confirm(charge=charge, actor=technician)


# Waiving -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ChargeStatus.PROPOSED, ChargeStatus.OPEN, ChargeStatus.PARTLY_PAID])
def test_charge_waive_leaves_nothing_owed_and_keeps_payments(school_admin, status):
    charge = ChargeFactory.create(status=status, amount=Decimal("40.00"), amount_paid=Decimal("10.00"))

    waived = services.charge_waive(charge=charge, actor=school_admin, reason="Family hardship")

    assert (waived.status, waived.reason, waived.amount_paid, waived.balance) == (
        ChargeStatus.WAIVED,
        "Family hardship",
        Decimal("10.00"),
        Decimal("0.00"),
    )


def test_charge_waive_without_a_reason_raises_naming_reason(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    with pytest.raises(DomainError) as raised:
        services.charge_waive(charge=charge, actor=supervisor, reason=" ")

    assert raised.value.field == "reason"
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.OPEN


@pytest.mark.parametrize("status", [ChargeStatus.PAID, ChargeStatus.WAIVED])
def test_charge_waive_when_settled_raises(supervisor, status):
    charge = ChargeFactory.create(status=status)

    with pytest.raises(DomainError, match="nothing to waive"):
        services.charge_waive(charge=charge, actor=supervisor, reason="Why")


def test_charge_waive_stale_or_by_a_technician_is_refused(supervisor, technician):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    with pytest.raises(ConflictError):
        services.charge_waive(charge=charge, actor=supervisor, reason="Why", expected_version=9)
    with pytest.raises(PermissionDenied):
        services.charge_waive(charge=charge, actor=technician, reason="Why")
    assert Charge.objects.get(pk=charge.pk).status == ChargeStatus.OPEN


# Paying --------------------------------------------------------------------------------------


def test_charge_pay_part_then_the_rest_numbers_each_receipt(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("45.00"))

    first = services.charge_pay(charge=charge, actor=supervisor, amount=Decimal("20.00"), method="cash")
    charge.refresh_from_db()
    assert (charge.status, charge.amount_paid, charge.balance) == (
        ChargeStatus.PARTLY_PAID,
        Decimal("20.00"),
        Decimal("25.00"),
    )
    second = services.charge_pay(
        charge=charge, actor=supervisor, amount=Decimal("25.00"), method="check", note=" No. 1042 "
    )

    charge.refresh_from_db()
    assert (charge.status, charge.amount_paid, charge.version) == (ChargeStatus.PAID, Decimal("45.00"), 3)
    assert (first.receipt_number, second.receipt_number) == (f"C{charge.pk:06d}-01", f"C{charge.pk:06d}-02")
    assert (second.method, second.note, second.received_by) == (PaymentMethod.CHECK, "No. 1042", supervisor)


def test_charge_pay_more_than_owed_raises_naming_amount_and_writes_nothing(supervisor):
    charge = ChargeFactory.create(
        status=ChargeStatus.PARTLY_PAID, amount=Decimal("30.00"), amount_paid=Decimal("20.00")
    )
    PaymentFactory.create(charge=charge, amount=Decimal("20.00"))

    with pytest.raises(DomainError, match=r"more than the 10\.00 still owed") as raised:
        services.charge_pay(charge=charge, actor=supervisor, amount=Decimal("10.01"), method="cash")

    assert raised.value.field == "amount"
    charge.refresh_from_db()
    assert (charge.amount_paid, charge.status, charge.payments.count()) == (
        Decimal("20.00"),
        "partly_paid",
        1,
    )


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-5.00"), Decimal("2.999")])
def test_charge_pay_with_a_bad_amount_raises_naming_amount(supervisor, amount):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    with pytest.raises(DomainError) as raised:
        services.charge_pay(charge=charge, actor=supervisor, amount=amount, method="cash")

    assert raised.value.field == "amount"
    assert not Payment.objects.exists()


def test_charge_pay_with_an_unknown_method_raises_naming_method(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    with pytest.raises(DomainError) as raised:
        services.charge_pay(charge=charge, actor=supervisor, amount=Decimal("1.00"), method="barter")

    assert raised.value.field == "method"


@pytest.mark.parametrize("status", [ChargeStatus.PROPOSED, ChargeStatus.PAID, ChargeStatus.WAIVED])
def test_charge_pay_when_not_open_raises(supervisor, status):
    charge = ChargeFactory.create(status=status)

    with pytest.raises(DomainError, match="payments are taken on open charges"):
        services.charge_pay(charge=charge, actor=supervisor, amount=Decimal("1.00"), method="cash")
    assert not Payment.objects.exists()


def test_charge_pay_by_a_technician_is_denied(technician):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN)

    with pytest.raises(PermissionDenied):
        services.charge_pay(charge=charge, actor=technician, amount=Decimal("1.00"), method="cash")


@pytest.mark.postgres
def test_charge_pay_history_records_the_paid_amount_with_the_actor(supervisor):
    charge = ChargeFactory.create(status=ChargeStatus.OPEN, amount=Decimal("45.00"))
    with pghistory.context(user=supervisor.pk):
        payment = services.charge_pay(charge=charge, actor=supervisor, amount=Decimal("5.00"), method="card")

    latest = (
        _history("ChargeHistory", charge.pk)
        .order_by("-pgh_id")
        .values("status", "amount_paid", "pgh_context__metadata__user")[0]
    )
    assert latest == {
        "status": "partly_paid",
        "amount_paid": Decimal("5.00"),
        "pgh_context__metadata__user": supervisor.pk,
    }
    assert _history("PaymentHistory", payment.pk).count() == 1
