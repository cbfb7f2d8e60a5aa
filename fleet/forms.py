"""Input validation for the fleet's HTML forms."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from fleet.choices import DeviceStatus
from fleet.models import Location


class DeviceStatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=DeviceStatus.choices, label="New status")
    reason = forms.CharField(max_length=255, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ScanForm(forms.Form):
    """One code from a barcode scanner (or typed): an asset tag or a serial."""

    code = forms.CharField(max_length=60, label="Asset tag or serial")


class AuePlanFilterForm(forms.Form):
    """School years are given by their starting year: 2026 is July 2026 to June 2027."""

    MAX_YEARS = 10

    from_year = forms.IntegerField(min_value=2000, max_value=2100, label="From school year")
    to_year = forms.IntegerField(min_value=2000, max_value=2100, label="To school year")
    location = forms.IntegerField(required=False, min_value=1, label="School")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from_year"), data.get("to_year")
        if start is not None and end is not None:
            if end < start:
                raise forms.ValidationError("The last school year comes before the first.")
            if end - start >= self.MAX_YEARS:
                raise forms.ValidationError(f"Plan at most {self.MAX_YEARS} school years at a time.")
        return data


class VehicleCheckInForm(forms.Form):
    to_location = forms.ModelChoiceField(queryset=Location.objects.none(), label="Check in at")
    reason = forms.CharField(max_length=255, required=False)

    def __init__(self, data: QueryDict | None = None, *, locations: QuerySet[Location]) -> None:
        super().__init__(data)
        field = self.fields["to_location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = locations
