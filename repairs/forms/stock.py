"""Input validation for the parts, stock and purchase order HTML forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import BLANK_CHOICE_DASH

from core.filters import PartModelChoiceField, RowModelChoiceField
from repairs.models import Part, PurchaseOrder, StockLocation, Vendor

PO_FORM_LINES = 5


class StockAdjustForm(forms.Form):
    part = PartModelChoiceField(queryset=Part.objects.all())
    stock_location = RowModelChoiceField(queryset=StockLocation.objects.all())
    quantity = forms.IntegerField(
        min_value=-10000, max_value=10000, help_text="Positive when more were found, negative when fewer."
    )
    reason = forms.CharField(max_length=255)


class StockTransferForm(forms.Form):
    part = PartModelChoiceField(queryset=Part.objects.all())
    from_location = RowModelChoiceField(queryset=StockLocation.objects.all())
    to_location = RowModelChoiceField(queryset=StockLocation.objects.all())
    quantity = forms.IntegerField(min_value=1, max_value=10000, initial=1)
    reason = forms.CharField(max_length=255, required=False)


ISO_DATE = "%Y-%m-%d"


def _date_input() -> forms.DateInput:
    """A browser date picker; its value is always ISO (Y-m-d), whatever the locale."""
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)


class UsageFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=_date_input())
    date_to = forms.DateField(required=False, label="To", widget=_date_input())


class PurchaseOrderForm(forms.Form):
    """The order header plus ``PO_FORM_LINES`` line rows; blank rows are ignored."""

    vendor = RowModelChoiceField(queryset=Vendor.objects.all())
    ship_to = RowModelChoiceField(queryset=StockLocation.objects.all())
    expected_on = forms.DateField(required=False, widget=_date_input())
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parts = Part.objects.filter(is_active=True, is_demo=False)
        # Every line offers the same parts: read once, as rows, rather than once a line as model
        # instances (five queries of ~400 parts at district scale). A chosen part is still
        # checked against ``parts`` when the form is validated.
        options: list[tuple[int | str, str]] = [("", str(BLANK_CHOICE_DASH[0][1]))]
        options += [
            (pk, f"{number} {description}")
            for pk, number, description in parts.values_list("pk", "part_number", "description")
        ]
        for n in range(PO_FORM_LINES):
            # The table's headers name the columns; each label also says which line it is.
            part = forms.ModelChoiceField(queryset=parts, required=False, label=f"Part, line {n + 1}")
            part.widget.choices = options
            self.fields[f"part_{n}"] = part
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                min_value=1, max_value=100000, required=False, label=f"Quantity, line {n + 1}"
            )
            self.fields[f"unit_cost_{n}"] = forms.DecimalField(
                max_digits=8,
                decimal_places=2,
                min_value=Decimal("0"),
                required=False,
                label=f"Unit cost, line {n + 1}",
            )

    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"part_{n}"], self[f"quantity_{n}"], self[f"unit_cost_{n}"]) for n in range(PO_FORM_LINES)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = []
        for n in range(PO_FORM_LINES):
            part, quantity, cost = (cleaned.get(f"{name}_{n}") for name in ("part", "quantity", "unit_cost"))
            if part is None and quantity is None and cost is None:
                continue
            if part is None or quantity is None:
                self.add_error(
                    f"part_{n}" if part is None else f"quantity_{n}", "Give the part and the quantity."
                )
                continue
            lines.append((part, quantity, part.unit_cost if cost is None else cost))
        if not lines and not self.errors:
            raise forms.ValidationError("Add at least one line.")
        cleaned["lines"] = lines
        return cleaned


class PurchaseOrderReceiveForm(forms.Form):
    """A quantity and unit cost per outstanding line; a blank or zero quantity receives nothing."""

    def __init__(self, *args: Any, order: PurchaseOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = [
            line for line in order.lines.all() if line.quantity_received < line.quantity_ordered
        ]
        for line in self.order_lines:
            outstanding = line.quantity_ordered - line.quantity_received
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=outstanding,
                required=False,
                label=f"Receive quantity for {line.part.part_number}",
                widget=forms.NumberInput(attrs={"placeholder": "0"}),
                error_messages={
                    "max_value": f"Only {outstanding} of {line.quantity_ordered} are still to come."
                },
            )
            self.fields[f"unit_cost_{line.pk}"] = forms.DecimalField(
                max_digits=8,
                decimal_places=2,
                min_value=Decimal("0"),
                initial=line.unit_cost,
                label=f"Unit cost for {line.part.part_number}",
            )

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (line, self[f"quantity_{line.pk}"], self[f"unit_cost_{line.pk}"]) for line in self.order_lines
        ]

    def receipts(self) -> list[tuple[Any, int, Decimal]]:
        return [
            (line, self.cleaned_data[f"quantity_{line.pk}"], self.cleaned_data[f"unit_cost_{line.pk}"])
            for line in self.order_lines
            if self.cleaned_data.get(f"quantity_{line.pk}")
        ]
