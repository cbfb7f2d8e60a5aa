"""Input validation for the fleet's HTML forms."""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from core.filters import RowModelChoiceField
from fleet.choices import DeviceStatus, ReadinessFlag
from fleet.domain import labels
from fleet.models import Location


class DeviceStatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=DeviceStatus.choices, label="New status")
    reason = forms.CharField(max_length=255, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DevicePageSizeForm(forms.Form):
    """How many devices the list shows on a page; anything else falls back to the default."""

    SIZES = (25, 50, 100, 200)
    DEFAULT = 50

    per_page = forms.TypedChoiceField(
        choices=[(size, str(size)) for size in SIZES], coerce=int, initial=DEFAULT, label="Per page"
    )


# The device list's filters as technicians say them, and what each says when not set (the
# API keeps the filter names).
FILTER_LABELS = {
    "q": ("Tag or serial starts with", ""),
    "location": ("Location", "All locations"),
    "model": ("Model", "All models"),
    "manufacturer": ("Manufacturer", "All manufacturers"),
    "device_type": ("Type", "All types"),
    "warranty": ("Warranty", "Any warranty"),
    "ordering": ("Sort by", "Default (asset tag)"),
}


def label_device_filters(form: forms.Form) -> None:
    """Give the device list's filter form (the filter set's) people's labels and "All …" choices."""
    for name, (label, empty_label) in FILTER_LABELS.items():
        field = form.fields[name]
        field.label = label
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = empty_label
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
            options = cast("list[tuple[Any, Any]]", field.choices)
            choices = [choice for choice in options if choice[0] != ""]
            field.widget.choices = [("", empty_label), *choices]  # type: ignore[attr-defined]


class ScanForm(forms.Form):
    """One code from a barcode scanner (or typed): an asset tag or a serial."""

    code = forms.CharField(max_length=60, label="Asset tag or serial")


class AuePlanFilterForm(forms.Form):
    """School years are given by their starting year: 2026 is July 2026 to June 2027."""

    MAX_YEARS = 10

    from_year = forms.IntegerField(min_value=2000, max_value=2100, label="From school year")
    to_year = forms.IntegerField(min_value=2000, max_value=2100, label="To school year")
    location = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="School")

    def __init__(self, data: Mapping[str, Any], *, schools: Iterable[Location]) -> None:
        super().__init__(data)
        field = self.fields["location"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "All schools"), *[(school.pk, school.name) for school in schools]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from_year"), data.get("to_year")
        if start is not None and end is not None:
            if end < start:
                raise forms.ValidationError("The last school year comes before the first.")
            if end - start >= self.MAX_YEARS:
                raise forms.ValidationError(f"Plan at most {self.MAX_YEARS} school years at a time.")
        return data


class ReadinessDevicesForm(forms.Form):
    """Which readiness flag's devices to list, optionally of one school the user sees."""

    flag = forms.ChoiceField(choices=ReadinessFlag.choices, label="Flag")
    location = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="School")

    def __init__(self, data: Mapping[str, Any], *, schools: Iterable[Location]) -> None:
        super().__init__(data)
        field = self.fields["location"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "All schools"), *[(school.pk, school.name) for school in schools]]


class VehicleCheckInForm(forms.Form):
    to_location = RowModelChoiceField(queryset=Location.objects.none(), label="Check in at")
    reason = forms.CharField(max_length=255, required=False)

    def __init__(self, data: QueryDict | None = None, *, locations: QuerySet[Location]) -> None:
        super().__init__(data)
        field = self.fields["to_location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = locations


class DeviceVariantConfirmForm(forms.Form):
    """Which of its candidate models a device is, read from its label (the service checks it)."""

    model = forms.IntegerField(label="Variant on the label", min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ImportMappingForm(forms.Form):
    """An answer to an import's mapping question: a location code or a catalogue model name."""

    key = forms.CharField(max_length=255, label="Name in Google's data")
    target = forms.CharField(max_length=120, label="Maps to")


class LabelSource:
    FILTER = "filter"
    RANGE = "range"


class LabelFormat:
    """The label stocks of ``fleet.domain.labels`` and ZPL for a Zebra printer."""

    ZPL = labels.ZPL
    CHOICES = [*((stock.key, stock.name) for stock in labels.STOCKS.values()), (ZPL, labels.ZPL_NAME)]


class LabelPrintForm(forms.Form):
    """What to print and on what. The tag range's fields are needed only for a range; the rules
    of a range (order, size, digits) are ``fleet.domain.labels.tag_range``'s."""

    SOURCES = [
        (LabelSource.FILTER, "The devices of the device list's filters"),
        (LabelSource.RANGE, "A range of new tags"),
    ]

    source = forms.ChoiceField(
        choices=SOURCES,
        initial=LabelSource.FILTER,
        widget=forms.RadioSelect,
        label="Print labels for",
    )
    tag_prefix = forms.CharField(
        max_length=20, required=False, label="Tag prefix", help_text="For example CB-"
    )
    first = forms.IntegerField(min_value=0, required=False, label="First number")
    last = forms.IntegerField(min_value=0, required=False, label="Last number")
    digits = forms.IntegerField(
        min_value=1, max_value=12, initial=6, required=False, label="Digits", help_text="6: CB-000101"
    )
    format = forms.ChoiceField(choices=LabelFormat.CHOICES, initial="avery5160", label="Print on")
    skip = forms.IntegerField(
        min_value=0,
        initial=0,
        required=False,
        label="Skip the first labels",
        help_text="On a sheet already partly used: how many labels are gone.",
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, can_range: bool) -> None:
        super().__init__(data)
        if not can_range:
            field = self.fields["source"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [choice for choice in self.SOURCES if choice[0] == LabelSource.FILTER]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == LabelSource.RANGE:
            for name in ("first", "last", "digits"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, f"Enter the {self.fields[name].label.lower()} of the range.")  # type: ignore[union-attr]
        data["skip"] = data.get("skip") or 0
        return data
