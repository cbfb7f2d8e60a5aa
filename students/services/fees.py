"""The fee schedule and the hold policy: what a damage cause costs, and when unpaid charges stop
a re-issue. Edited by supervisors and administrators; charges keep the rule they were made from,
so a changed fee applies to proposals from then on."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from core.exceptions import DomainError
from fleet.models import DeviceModel
from students import permissions
from students.domain.charges import CHARGEABLE_CAUSES, money
from students.models import ChargePolicy, FeeRule


@transaction.atomic
def fee_rule_save(
    *,
    actor: User,
    damage_cause: str,
    device_model: DeviceModel | None,
    amount: Decimal,
    first_incident_waived: bool = False,
    insurance_covers: bool = False,
) -> FeeRule:
    """Set the fee for a cause on one model (or any model, ``device_model`` None): the rule for
    that pair is changed, or made when there is none. Raises PermissionDenied for roles that do
    not edit the one-to-one policy; DomainError for a cause that is never charged
    (``damage_cause``) or an amount that is negative or not in cents (``amount``)."""
    if not permissions.can_edit_one_to_one_policy(actor):
        raise PermissionDenied
    if damage_cause not in CHARGEABLE_CAUSES:
        raise DomainError(
            "Only accidental, intentional, liquid and lost-or-stolen damage is charged.", field="damage_cause"
        )
    amount = money(amount, field="amount")
    if amount < 0:
        raise DomainError("The fee cannot be negative.", field="amount")
    # Ordered by pk: the model's default order joins DeviceModel, which FOR UPDATE refuses on an
    # outer join (the any-model rule's side).
    rule = (
        FeeRule.objects.select_for_update()
        .filter(damage_cause=damage_cause, device_model=device_model)
        .order_by("pk")
        .first()
    ) or FeeRule(damage_cause=damage_cause, device_model=device_model)
    rule.amount = amount
    rule.first_incident_waived = first_incident_waived
    rule.insurance_covers = insurance_covers
    rule.full_clean(validate_constraints=False, validate_unique=False)
    rule.save()
    return rule


@transaction.atomic
def fee_rule_delete(*, actor: User, fee_rule: FeeRule) -> None:
    """Remove a fee: that cause is no longer charged (on that model). Raises PermissionDenied for
    roles that do not edit the policy; DomainError once charges were made from it (they keep it)."""
    if not permissions.can_edit_one_to_one_policy(actor):
        raise PermissionDenied
    if fee_rule.charges.exists():
        raise DomainError("Charges were made from this fee, so it stays on record: set its amount instead.")
    fee_rule.delete()


@transaction.atomic
def charge_policy_update(*, actor: User, hold_enabled: bool, hold_threshold: Decimal) -> ChargePolicy:
    """Turn the hand-out hold on or off and set the unpaid amount above which it refuses a
    re-issue. Raises PermissionDenied for roles that do not edit the policy; DomainError for a
    negative or fractional-cent threshold (``hold_threshold``)."""
    if not permissions.can_edit_one_to_one_policy(actor):
        raise PermissionDenied
    hold_threshold = money(hold_threshold, field="hold_threshold")
    if hold_threshold < 0:
        raise DomainError("The threshold cannot be negative.", field="hold_threshold")
    policy, _ = ChargePolicy.objects.select_for_update().get_or_create(pk=1)
    policy.hold_enabled, policy.hold_threshold = hold_enabled, hold_threshold
    policy.full_clean(validate_constraints=False)
    policy.save(update_fields=["hold_enabled", "hold_threshold"])
    return policy
