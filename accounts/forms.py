"""Sign-in and the administrator's unlock form (password change and reset use Django's forms)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.choices import LockoutKind


class SignInForm(AuthenticationForm):
    """Username and password, and whether the session should end when the browser closes."""

    shared_computer = forms.BooleanField(
        required=False,
        label="This is a shared computer",
        help_text="Sign me out when the browser closes.",
    )


class LockoutClearForm(forms.Form):
    kind = forms.ChoiceField(choices=LockoutKind.choices)
    value = forms.CharField(max_length=255)
