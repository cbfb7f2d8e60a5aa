"""Forms of the charge pages and the fee schedule: input shape only; the rules are the services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from fleet.models import DeviceModel
from repairs.choices import DamageCause
from students.choices import PaymentMethod
from students.services.charges import CHARGEABLE_CAUSES

CHARGEABLE_CHOICES = [(value, label) for value, label in DamageCause.choices if value in CHARGEABLE_CAUSES]


def _amount(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.00"),
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class _Prefixed(forms.Form):
    """The charge page draws several forms with like-named fields: their element ids differ by the
    form (``pay_amount``, ``confirm_amount``) while the posted names stay plain."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ChargeConfirmForm(_Prefixed):
    id_prefix = "confirm"
    amount = _amount("Amount", required=False, help_text="Leave as proposed, or change it and say why.")
    reason = forms.CharField(max_length=255, required=False, label="Reason for a changed amount")
    version = forms.IntegerField(widget=forms.HiddenInput)


class ChargeWaiveForm(_Prefixed):
    id_prefix = "waive"
    reason = forms.CharField(max_length=255, label="Why is it waived?")
    version = forms.IntegerField(widget=forms.HiddenInput)


class ChargePayForm(_Prefixed):
    id_prefix = "pay"
    amount = _amount("Amount received")
    method = forms.ChoiceField(choices=PaymentMethod.choices, label="Paid by")
    note = forms.CharField(max_length=255, required=False, label="Note (check number…)")


class FeeRuleForm(_Prefixed):
    id_prefix = "fee"
    damage_cause = forms.ChoiceField(choices=CHARGEABLE_CHOICES, label="Damage cause")
    device_model = forms.ModelChoiceField(
        queryset=DeviceModel.objects.order_by("name"),
        required=False,
        empty_label="Any model",
        label="Model",
    )
    amount = _amount("Fee")
    first_incident_waived = forms.BooleanField(
        required=False, label="First incident each school year is waived"
    )
    insurance_covers = forms.BooleanField(required=False, label="Insurance covers it")


class ChargePolicyForm(_Prefixed):
    id_prefix = "hold"
    hold_enabled = forms.BooleanField(required=False, label="Refuse a re-issue while charges are unpaid")
    hold_threshold = _amount("Unpaid amount allowed", help_text="The hold refuses above this amount.")
