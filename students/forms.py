"""Input validation for the one-to-one screens: hand-out, collection, the agreement, the roster import,
the student search, the charge pages and the fee schedule. Input shape only; the rules are the services'."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from core.filters import RowModelChoiceField
from fleet.models import DeviceModel
from repairs.choices import DamageCause, Symptom
from students.choices import AccessoryKind, Condition, PaymentMethod, SignedBy
from students.domain.charges import CHARGEABLE_CAUSES
from students.models import Handout
from students.services.agreements import SIGNATURE_MAX_BYTES
from students.services.handouts import ACCESSORY_MAX, CONDITIONS_OUT

DATA_URL_PREFIX = "data:image/png;base64,"
SCAN_ATTRS = {
    "autocomplete": "off",
    "enterkeyhint": "go",
    "autocapitalize": "characters",
    "spellcheck": "false",
}


class MarksInvalid:
    """A field given an error (by validation or a service's refusal) is drawn invalid."""

    fields: dict[str, forms.Field]

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        if field in self.fields:
            widget = self.fields[field].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class HandoutForm(MarksInvalid, forms.Form):
    """The hand-out screen's fields, filled one step at a time (student, device, the rest)."""

    STEPS = ("student", "device", "confirm")

    step = forms.ChoiceField(choices=[(s, s) for s in STEPS], widget=forms.HiddenInput, initial="student")
    student = forms.CharField(
        max_length=20, required=False, label="Student ID", widget=forms.TextInput(attrs=SCAN_ATTRS)
    )
    device = forms.CharField(
        max_length=60,
        required=False,
        label="Device: asset tag or serial",
        widget=forms.TextInput(attrs=SCAN_ATTRS),
    )
    charger = forms.IntegerField(
        min_value=0, max_value=ACCESSORY_MAX, initial=1, required=False, label="Chargers"
    )
    case = forms.IntegerField(min_value=0, max_value=ACCESSORY_MAX, initial=0, required=False, label="Cases")
    stylus = forms.IntegerField(
        min_value=0, max_value=ACCESSORY_MAX, initial=0, required=False, label="Styluses"
    )
    condition_out = forms.ChoiceField(
        choices=[(c, Condition(c).label) for c in CONDITIONS_OUT], initial=Condition.GOOD, label="Condition"
    )
    signed_by = forms.ChoiceField(
        choices=SignedBy.choices, required=False, label="Signed by", widget=forms.RadioSelect
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=SIGNATURE_MAX_BYTES * 2)
    hold_override_reason = forms.CharField(
        max_length=255,
        required=False,
        label="Override the hold: why",
        help_text="Recorded with the hand-out.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signed_by"].widget.attrs["class"] = "form-check-input"
        for name, field in self.fields.items():
            if isinstance(field.widget, (forms.HiddenInput, forms.RadioSelect)):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-lg" if name in ("student", "device") else css
        for kind in AccessoryKind.values:
            self.fields[kind].widget.attrs |= {"inputmode": "numeric"}

    def clean_signature(self) -> bytes | None:
        value = self.cleaned_data.get("signature") or ""
        if not value:
            return None
        if not value.startswith(DATA_URL_PREFIX):
            raise forms.ValidationError(
                "The signature is not a drawing from the pad: clear it and sign again."
            )
        try:
            return base64.b64decode(value.removeprefix(DATA_URL_PREFIX), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError("The signature could not be read: clear it and sign again.") from exc

    def accessories(self) -> dict[str, int]:
        return {kind: self.cleaned_data.get(kind) or 0 for kind in AccessoryKind.values}


class CollectScanForm(MarksInvalid, forms.Form):
    code = forms.CharField(
        max_length=60,
        label="Scan the device, or type the student's ID",
        widget=forms.TextInput(attrs=SCAN_ATTRS),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs |= {"class": "form-control form-control-lg", "autofocus": True}


RETURN_CONDITIONS = [(c, Condition(c).label) for c in (Condition.GOOD, Condition.FAIR, Condition.DAMAGED)]


class CollectForm(MarksInvalid, forms.Form):
    """What came back of one hand-out: the device's state and each accessory's count and state."""

    condition_in = forms.ChoiceField(
        choices=Condition.choices, initial=Condition.GOOD, label="Device condition"
    )
    damage_cause = forms.ChoiceField(
        choices=[("", "No damage"), *DamageCause.choices],
        required=False,
        label="Cause of damage or loss",
        help_text="Only for a device back damaged or missing: a repair ticket and a charge follow.",
    )
    symptom = forms.ChoiceField(
        choices=Symptom.choices, initial=Symptom.OTHER, required=False, label="What is damaged"
    )
    notes = forms.CharField(max_length=400, required=False, label="Notes")

    def __init__(self, *args: Any, handout: Handout | None, **kwargs: Any) -> None:
        """``handout`` None: a device assigned without a hand-out, nothing recorded out: every
        accessory kind is asked, none back by default."""
        super().__init__(*args, **kwargs)
        self.handout = handout
        self.accessory_fields = []
        out: list[tuple[str, str, int | None]]
        if handout is not None:
            out = [(item.kind, item.get_kind_display(), item.quantity) for item in handout.accessories.all()]
        else:
            out = [(kind, AccessoryKind(kind).label, None) for kind in AccessoryKind.values]
        for kind, label, quantity in out:
            returned = forms.IntegerField(
                min_value=0,
                max_value=quantity if quantity is not None else ACCESSORY_MAX,
                initial=quantity if quantity is not None else 0,
                label=f"{label}s back (of {quantity})" if quantity is not None else f"{label}s back",
            )
            returned.widget.attrs |= {"inputmode": "numeric"}
            condition = forms.ChoiceField(
                choices=RETURN_CONDITIONS, initial=Condition.GOOD, required=False, label=f"{label} condition"
            )
            self.fields[f"{kind}_returned"] = returned
            self.fields[f"{kind}_condition"] = condition
            self.accessory_fields.append((f"{kind}_returned", f"{kind}_condition"))
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
        self.fields["condition_in"].widget.attrs["autofocus"] = True

    def accessory_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[a], self[b]) for a, b in self.accessory_fields]


class AgreementForm(MarksInvalid, forms.Form):
    title = forms.CharField(max_length=120, initial="Student device agreement")
    body = forms.CharField(
        max_length=20_000,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=(
            "What the student or parent accepts at hand-out. Saving makes a new version; "
            "signed versions stay as they were."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files: a OneRoster zip, or its CSV files chosen together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class RosterImportForm(forms.Form):
    file = MultipleFileField(
        label="OneRoster export",
        help_text="The SIS's OneRoster 1.1 or 1.2 CSV zip, or its orgs.csv, users.csv and enrollments.csv "
        "(and roles.csv) chosen together.",
    )
    valid_only = forms.BooleanField(required=False, label="Import only the valid rows and skip the bad ones")


class SchoolMappingForm(forms.Form):
    org_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
    location = forms.CharField(max_length=20, label="Location code")
    token = forms.CharField(widget=forms.HiddenInput)


# Charges and the fee schedule ------------------------------------------------------------------

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
    device_model = RowModelChoiceField(
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
