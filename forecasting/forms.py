"""Forms of the forecast pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.filters import RowModelChoiceField
from repairs.models import Vendor


class IdListField(forms.Field):
    """Several integer ids from repeated checkboxes of one name."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Choose lines from the list."}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return sorted({int(v) for v in values})
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError("Tick at least one line to order.", code="required")


class SuggestionOrderForm(forms.Form):
    """The ticked suggestion lines, and the vendor whose button was pressed (none for "Create all")."""

    suggestion = IdListField()
    vendor = RowModelChoiceField(queryset=Vendor.objects.all(), required=False)
