"""The fee schedule and the hold policy: who may set them, and what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.exceptions import DomainError
from repairs.choices import DamageCause
from students.models import ChargePolicy, FeeRule
from students.services import fees as services
from tests.fleet.factories import DeviceModelFactory
from tests.students.factories import ChargeFactory, FeeRuleFactory

pytestmark = pytest.mark.django_db


def test_fee_rule_save_makes_a_rule_then_changes_the_same_one(supervisor):
    model = DeviceModelFactory.create()

    made = services.fee_rule_save(
        actor=supervisor, damage_cause=DamageCause.LIQUID, device_model=model, amount=Decimal("80")
    )
    changed = services.fee_rule_save(
        actor=supervisor,
        damage_cause=DamageCause.LIQUID,
        device_model=model,
        amount=Decimal("95.50"),
        first_incident_waived=True,
    )

    assert made.pk == changed.pk
    stored = FeeRule.objects.get()
    assert (stored.amount, stored.first_incident_waived, stored.insurance_covers) == (
        Decimal("95.50"),
        True,
        False,
    )


def test_fee_rule_save_for_any_model_is_its_own_rule(admin_user):
    FeeRuleFactory.create(damage_cause=DamageCause.LOST)

    services.fee_rule_save(
        actor=admin_user, damage_cause=DamageCause.LOST, device_model=None, amount=Decimal("300")
    )

    assert FeeRule.objects.filter(device_model__isnull=True).get().amount == Decimal("300.00")
    assert FeeRule.objects.count() == 2


@pytest.mark.parametrize(
    ("cause", "amount", "field"),
    [
        (DamageCause.WEAR, Decimal("10"), "damage_cause"),
        (DamageCause.ACCIDENTAL, Decimal("-1"), "amount"),
        (DamageCause.ACCIDENTAL, Decimal("1.001"), "amount"),
    ],
)
def test_fee_rule_save_refuses_bad_input_naming_the_field(supervisor, cause, amount, field):
    with pytest.raises(DomainError) as raised:
        services.fee_rule_save(actor=supervisor, damage_cause=cause, device_model=None, amount=amount)

    assert raised.value.field == field
    assert not FeeRule.objects.exists()


def test_fee_rules_are_set_only_by_supervisors_and_admins(school_admin, technician):
    rule = FeeRuleFactory.create()
    for actor in (school_admin, technician):
        with pytest.raises(PermissionDenied):
            services.fee_rule_save(
                actor=actor, damage_cause="accidental", device_model=None, amount=Decimal("1")
            )
        with pytest.raises(PermissionDenied):
            services.fee_rule_delete(actor=actor, fee_rule=rule)
        with pytest.raises(PermissionDenied):
            services.charge_policy_update(actor=actor, hold_enabled=False, hold_threshold=Decimal("0"))


def test_fee_rule_delete_refuses_a_rule_charges_were_made_from(supervisor):
    rule = FeeRuleFactory.create()
    ChargeFactory.create(fee_rule=rule)

    with pytest.raises(DomainError, match="stays on record"):
        services.fee_rule_delete(actor=supervisor, fee_rule=rule)
    assert FeeRule.objects.filter(pk=rule.pk).exists()


def test_fee_rule_delete_removes_an_unused_rule(supervisor):
    rule = FeeRuleFactory.create()

    services.fee_rule_delete(actor=supervisor, fee_rule=rule)

    assert not FeeRule.objects.exists()


def test_charge_policy_update_creates_the_row_and_sets_the_hold(supervisor):
    policy = services.charge_policy_update(actor=supervisor, hold_enabled=False, hold_threshold=Decimal("15"))

    assert (policy.pk, policy.hold_enabled, policy.hold_threshold) == (1, False, Decimal("15.00"))
    assert ChargePolicy.objects.get().hold_threshold == Decimal("15.00")


@pytest.mark.parametrize("threshold", [Decimal("-0.01"), Decimal("0.001")])
def test_charge_policy_update_refuses_a_bad_threshold_naming_it(supervisor, threshold):
    with pytest.raises(DomainError) as raised:
        services.charge_policy_update(actor=supervisor, hold_enabled=True, hold_threshold=threshold)

    assert raised.value.field == "hold_threshold"
    assert not ChargePolicy.objects.exists()
