"""The loaner check-out form."""

from django import forms


class LoanCheckOutForm(forms.Form):
    ticket_id = forms.IntegerField(
        min_value=1, label="Ticket number", widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    code = forms.CharField(
        max_length=60,
        label="Loaner (scan its asset tag)",
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "next"}),
    )
    borrower_id = forms.CharField(
        max_length=20,
        label="Borrower's student or staff ID",
        widget=forms.TextInput(attrs={"autocomplete": "off", "pattern": "[A-Za-z0-9]+"}),
    )
