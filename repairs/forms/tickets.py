"""Input validation for the ticket pages' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, QuerySet, Value, When
from django.http import QueryDict

from accounts.models import User
from core.filters import RowModelChoiceField, UserModelChoiceField
from fleet.models import Location
from repairs.choices import SYMPTOM_PART_CATEGORIES, Coverage, DamageCause, Priority, Symptom, TicketStatus
from repairs.models import Part, StockLevel, StockLocation, Ticket, Vendor
from repairs.services import stock, tickets


class TicketOpenForm(forms.Form):
    """Open a ticket (or, for a school administrator, a repair request) from one scan."""

    code = forms.CharField(max_length=60, label="Asset tag or serial")
    symptom = forms.ChoiceField(choices=Symptom.choices)
    problem_summary = forms.CharField(
        max_length=2000,
        required=False,
        label="What is wrong",
        help_text="In a few words; closing the ticket needs it.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    damage_cause = forms.ChoiceField(choices=DamageCause.choices, initial=DamageCause.UNKNOWN)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    # A technician with the device in hand starts at once: the ticket goes on to "in progress".
    start_now = forms.BooleanField(
        required=False, initial=True, label="I have the device: start the repair now"
    )

    def __init__(self, *args: Any, can_start: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_start:  # a school administrator's repair request waits for triage
            del self.fields["start_now"]
        for name, field in self.fields.items():
            if name == "start_now":
                field.widget.attrs["class"] = "form-check-input"
                continue
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
        self.fields["code"].widget.attrs |= {"autocomplete": "off", "enterkeyhint": "next"}
        # The first field still to fill takes the focus: the symptom once a scan filled the code.
        first = "symptom" if self["code"].value() else "code"
        self.fields[first].widget.attrs["autofocus"] = True


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
    location = RowModelChoiceField(
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
    problem_summary = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution_summary = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # From "repaired": hand the device back and close the ticket in one step.
    then_close = forms.BooleanField(required=False)

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
        for summary in ("problem_summary", "resolution_summary"):
            if data[summary]:
                kwargs[summary] = data[summary]
        return kwargs


class TicketAssignForm(VersionedForm):
    assignee = UserModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")

    def __init__(self, *args: Any, assignees: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees  # type: ignore[attr-defined]


class TicketEscalateForm(VersionedForm):
    note = forms.CharField(max_length=2000, required=False)


class TicketVendorForm(VersionedForm):
    vendor = RowModelChoiceField(queryset=Vendor.objects.order_by("name"), required=False)
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

    def service_kwargs(self, ticket: Ticket) -> dict[str, Any]:
        """What goes to ticket_record_work: a field the form did not send keeps the ticket's value
        (the ticket page edits the problem summary here; labour and resolution go with the moves)."""
        data = self.cleaned_data
        return {
            name: data[name] if name in self.data else getattr(ticket, name)
            for name in ("problem_summary", "resolution_summary", "labour_minutes")
        } | {"expected_version": data["version"]}


class TicketLoanerForm(forms.Form):
    code = forms.CharField(max_length=60, label="Loaner (scan its asset tag)")
    borrower_id = forms.CharField(max_length=20, label="Borrower's student or staff ID")


class TicketPartIssueForm(forms.Form):
    """Issue a part from a stock location to this ticket; a misfit needs an override reason."""

    part = forms.ModelChoiceField(queryset=Part.objects.none())
    stock_location = forms.ModelChoiceField(
        queryset=StockLocation.objects.none(), label="From", empty_label=None
    )
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
        user: User | None = None,
        symptom: str = "",
    ) -> None:
        super().__init__(data)
        part_field = self.fields["part"]
        location_field = self.fields["stock_location"]
        assert isinstance(part_field, forms.ModelChoiceField)
        assert isinstance(location_field, forms.ModelChoiceField)
        part_field.queryset = parts
        location_field.queryset = stock_locations
        if data is None:
            self.initial.update(self._likely_choice(parts, stock_locations, user, symptom))

    @staticmethod
    def _likely_choice(
        parts: QuerySet[Part], stock_locations: QuerySet[StockLocation], user: User | None, symptom: str = ""
    ) -> dict[str, int]:
        """What a technician most likely issues: a fitting part that is in stock, of a category the
        ticket's symptom needs (a screen for "Screen") when one is, from their own kit when it holds
        one, else from where most are on hand. Nothing when no fitting part is in stock."""
        categories = SYMPTOM_PART_CATEGORIES.get(symptom, ())
        for_symptom = Case(When(part__category__in=categories, then=0), default=1) if categories else Value(1)
        own_kit = Case(When(stock_location__technician=user, then=0), default=1) if user else Value(1)
        level = (
            StockLevel.objects.filter(
                part__in=parts.filter(fits=True).values("pk"),  # type: ignore[misc]  # annotated
                stock_location__in=stock_locations.values("pk"),
                on_hand__gt=0,
            )
            .order_by(for_symptom, own_kit, "-on_hand", "part__part_number", "stock_location__name")
            .values_list("part_id", "stock_location_id")
            .first()
        )
        return {"part": level[0], "stock_location": level[1]} if level else {}
