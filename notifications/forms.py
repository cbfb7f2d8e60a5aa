from __future__ import annotations

from typing import Any

from django import forms

from notifications.choices import Cadence, NotificationKind


class PreferenceForm(forms.Form):
    """One choice per kind that concerns the person (the fields are built from their roles)."""

    def __init__(self, *args: Any, kinds: list[NotificationKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=kind.label,
                choices=Cadence.choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
