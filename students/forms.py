"""Input for the roster import and the student search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile


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
