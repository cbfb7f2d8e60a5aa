"""Input validation for the overtime HTML forms (rules live in staff.services.overtime)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from accounts.models import User
from core.filters import RowModelChoiceField, UserModelChoiceField
from fleet.models import Location
from repairs.models import Ticket
from staff.choices import Weekday


def iso_date_input() -> forms.DateInput:
    """A date picker whose value is ISO (2026-10-29), the only format ``type="date"`` accepts."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Overtime ----------------------------------------------------------------------------------------


class OvertimeRequestForm(forms.Form):
    work_date = forms.DateField(label="Date", widget=iso_date_input())
    expected_hours = forms.DecimalField(
        label="Expected hours",
        min_value=Decimal("0.25"),
        max_value=Decimal("16"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    location = RowModelChoiceField(queryset=Location.objects.none(), required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    tickets = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_emergency = forms.BooleanField(
        required=False, label="Emergency (work already done or under way; your supervisor reviews it)"
    )

    def __init__(
        self, data: QueryDict | None = None, *, locations: QuerySet[Location], tickets: QuerySet[Ticket]
    ) -> None:
        super().__init__(data)
        location_field = self.fields["location"]
        ticket_field = self.fields["tickets"]
        assert isinstance(location_field, forms.ModelChoiceField)
        assert isinstance(ticket_field, forms.ModelMultipleChoiceField)
        location_field.queryset = locations
        ticket_field.queryset = tickets


class OvertimeDecisionForm(forms.Form):
    comment = forms.CharField(
        max_length=2000, required=False, help_text="Required to deny: it is sent to the requester."
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class OvertimeVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class OvertimeRuleForm(forms.Form):
    effective_from = forms.DateField(label="Effective from", widget=iso_date_input())
    grade_min = forms.IntegerField(label="Lowest grade", min_value=1, max_value=99)
    grade_max = forms.IntegerField(label="Highest grade", min_value=1, max_value=99)
    eligible = forms.BooleanField(required=False, label="Eligible for overtime")
    prior_approval_required = forms.BooleanField(
        required=False, initial=True, label="Prior approval required"
    )
    multiplier = forms.DecimalField(min_value=1, max_digits=4, decimal_places=2, initial=Decimal("1.50"))
    weekly_threshold_hours = forms.DecimalField(
        label="Weekly threshold (hours)",
        min_value=Decimal("0.25"),
        max_digits=5,
        decimal_places=2,
        initial=40,
    )
    workweek_start = forms.TypedChoiceField(
        label="Workweek starts", choices=Weekday.choices, coerce=int, initial=Weekday.SUNDAY
    )
    comp_time_allowed = forms.BooleanField(required=False, label="Compensatory time allowed")
    comp_time_rate = forms.DecimalField(
        label="Comp time per overtime hour",
        min_value=1,
        max_digits=4,
        decimal_places=2,
        initial=Decimal("1.50"),
    )
    comp_time_cap_hours = forms.DecimalField(
        label="Comp time cap (hours)", min_value=0, max_digits=6, decimal_places=2, initial=240
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("grade_min"), data.get("grade_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The lowest grade must not be above the highest grade.")
        return data


class OvertimeDelegationForm(forms.Form):
    delegate = UserModelChoiceField(queryset=User.objects.none())
    starts_on = forms.DateField(label="From", widget=iso_date_input())
    ends_on = forms.DateField(label="To", widget=iso_date_input())

    def __init__(self, data: QueryDict | None = None, *, delegates: QuerySet[User]) -> None:
        super().__init__(data)
        field = self.fields["delegate"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = delegates
