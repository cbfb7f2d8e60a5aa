"""Input validation for the ticket pages' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from accounts.models import User
from fleet.models import Location
from repairs.choices import Coverage, DamageCause, Priority, Symptom, TicketStatus
from repairs.models import Part, StockLocation, Vendor
from repairs.services import stock, tickets


class TicketOpenForm(forms.Form):
    """Open a ticket (or, for a school administrator, a repair request) from one scan."""

    code = forms.CharField(max_length=60, label="Asset tag or serial")
    symptom = forms.ChoiceField(choices=Symptom.choices)
    damage_cause = forms.ChoiceField(choices=DamageCause.choices, initial=DamageCause.UNKNOWN)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    problem_summary = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TicketIntakeForm(forms.Form):
    """A school visit's pile: one code per line, all with the same symptom and cause."""

    codes = forms.CharField(
        label="Asset tags or serials, one per line",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )
    symptom = forms.ChoiceField(choices=Symptom.choices)
    damage_cause = forms.ChoiceField(choices=DamageCause.choices, initial=DamageCause.UNKNOWN)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, label="Reported at (default: each device's school)"
    )

    def __init__(self, *args: Any, locations: QuerySet[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]

    def clean_codes(self) -> list[str]:
        codes = [line.strip() for line in self.cleaned_data["codes"].splitlines() if line.strip()]
        if not codes:
            raise forms.ValidationError("Scan at least one device.")
        if len(codes) > tickets.MAX_INTAKE_CODES:
            raise forms.ValidationError(f"At most {tickets.MAX_INTAKE_CODES} devices in one intake.")
        return codes


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TicketTransitionForm(VersionedForm):
    to_status = forms.ChoiceField(choices=TicketStatus.choices, label="Move to")
    note = forms.CharField(max_length=2000, required=False)
    labour_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, required=False)
    resolution_summary = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_kwargs(self) -> dict[str, Any]:
        """What goes to ticket_transition: blank optional fields leave the ticket's values alone."""
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "to_status": data["to_status"],
            "note": data["note"],
            "expected_version": data["version"],
        }
        if data["labour_minutes"] is not None:
            kwargs["labour_minutes"] = data["labour_minutes"]
        if data["resolution_summary"]:
            kwargs["resolution_summary"] = data["resolution_summary"]
        return kwargs


class TicketAssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")

    def __init__(self, *args: Any, assignees: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees  # type: ignore[attr-defined]


class TicketEscalateForm(VersionedForm):
    note = forms.CharField(max_length=2000, required=False)


class TicketVendorForm(VersionedForm):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.order_by("name"), required=False)
    vendor_reference = forms.CharField(max_length=60, required=False, label="RMA or dispatch reference")
    coverage = forms.ChoiceField(choices=Coverage.choices, required=False)
    shipped_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    vendor_returned_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class TicketWorkForm(VersionedForm):
    problem_summary = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution_summary = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    labour_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, required=False)


class TicketLoanerForm(forms.Form):
    code = forms.CharField(max_length=60, label="Loaner (scan its asset tag)")
    borrower_id = forms.CharField(max_length=20, label="Borrower's student or staff ID")


class TicketPartIssueForm(forms.Form):
    """Issue a part from a stock location to this ticket; a misfit needs an override reason."""

    part = forms.ModelChoiceField(queryset=Part.objects.none())
    stock_location = forms.ModelChoiceField(queryset=StockLocation.objects.none(), label="From")
    quantity = forms.IntegerField(min_value=1, max_value=stock.MAX_ISSUE_QUANTITY, initial=1)
    override_reason = forms.CharField(
        max_length=255, required=False, label="Override reason (part does not fit)"
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        parts: QuerySet[Part],
        stock_locations: QuerySet[StockLocation],
    ) -> None:
        super().__init__(data)
        part_field = self.fields["part"]
        location_field = self.fields["stock_location"]
        assert isinstance(part_field, forms.ModelChoiceField)
        assert isinstance(location_field, forms.ModelChoiceField)
        part_field.queryset = parts
        location_field.queryset = stock_locations
