"""A list's filter bar without django-bootstrap5's field renderer (``{% load controls %}``).

``{% bootstrap_field %}`` added about 1 ms to every list page with filters (the device list's
ten, at district scale), for markup that is a label and a plain control. So
``components/filter_bar.html`` writes the markup itself and asks this library only for the
control with Bootstrap's classes and the accessibility attributes django-bootstrap5 gave it.
Controls it does not handle (check boxes, radio lists, files) keep ``{% bootstrap_field %}``.
"""

from __future__ import annotations

from django import forms, template
from django.forms.widgets import Input
from django.utils.safestring import SafeString

register = template.Library()

# Selects (multiple ones included) and text-like inputs; a check box and a file are inputs too.
_PLAIN = (forms.Select, Input, forms.Textarea)
_NOT_PLAIN = (forms.CheckboxInput, forms.FileInput)


@register.filter
def plain_control(field: forms.BoundField) -> bool:
    """Whether ``control`` renders this field's widget (a select, a text-like input, a textarea)."""
    widget = field.field.widget
    return isinstance(widget, _PLAIN) and not isinstance(widget, _NOT_PLAIN)


@register.filter
def control(field: forms.BoundField) -> SafeString:
    """The field's widget as ``{% bootstrap_field %}`` renders it: ``form-select`` or
    ``form-control``; with an error ``is-invalid``, ``aria-invalid`` and ``aria-describedby`` naming
    the error's element (``<auto_id>_error``, which the template writes); else the help text's."""
    widget = field.field.widget
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    own = widget.attrs.get("class", "")
    attrs: dict[str, str | bool] = {}
    if field.errors:
        attrs["class"] = f"{own} {css} is-invalid".strip()
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    else:
        # A bound, valid filter gets no green "is-valid": a filled-in filter is not a checked answer.
        attrs["class"] = f"{own} {css}".strip()
        if field.help_text:
            attrs["aria-describedby"] = f"{field.auto_id}_helptext"
    return field.as_widget(attrs=attrs)
