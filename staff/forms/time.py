"""Input validation for the time and pay pages (rules live in staff.services.timesheets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from core.filters import RowModelChoiceField
from fleet.models import Location
from staff.choices import TimeEntryKind, TimesheetStatus
from staff.forms.overtime import iso_date_input
from staff.services import timesheets


class TimeEntryForm(forms.Form):
    work_date = forms.DateField(label="Date", widget=iso_date_input())
    kind = forms.ChoiceField(choices=TimeEntryKind.choices, initial=TimeEntryKind.REGULAR)
    hours = forms.DecimalField(
        min_value=timesheets.MIN_ENTRY_HOURS,
        max_value=timesheets.MAX_DAY_HOURS,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    mileage = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=500,
        decimal_places=1,
        label="Miles driven",
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    location = RowModelChoiceField(
        queryset=Location.objects.none(), required=False, label="Location (optional)", empty_label="—"
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(
        self, data: QueryDict | None = None, *, locations: QuerySet[Location], **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {"work_date": timezone.localdate(), "kind": TimeEntryKind.REGULAR})
        super().__init__(data, **kwargs)
        # No time is logged for a day that has not started (the service refuses it too).
        self.fields["work_date"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"
        field = self.fields["location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = locations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The mileage box is hidden unless the kind is travel; a value left in it is dropped.
        if data.get("kind") != TimeEntryKind.TRAVEL:
            data["mileage"] = None
        return data


class TimesheetActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class TimesheetSubmitForm(TimesheetActionForm):
    comp_time_elected = forms.BooleanField(required=False, label="Take comp time instead of overtime pay")


class PayrollExportForm(forms.Form):
    """Weeks whose first day falls between the two dates, inclusive; at most about a year."""

    MAX_DAYS = 370

    date_from = forms.DateField(label="Weeks starting from", widget=iso_date_input())
    date_to = forms.DateField(label="Up to", widget=iso_date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise forms.ValidationError("The end date comes before the start date.")
            if (end - start).days > self.MAX_DAYS:
                raise forms.ValidationError("Export at most one year at a time.")
        return data


class TimesheetFilterForm(forms.Form):
    """The team list's filter (the view reads the same ``status`` parameter)."""

    status = forms.ChoiceField(
        choices=[("", "Any status"), *TimesheetStatus.choices], required=False, label="Status"
    )
