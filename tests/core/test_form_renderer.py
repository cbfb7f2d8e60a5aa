"""core.forms.FormRenderer: selects built in Python give the very bytes Django's templates give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer

from core.forms import FormRenderer, render_select

STOCK = DjangoTemplates()
FAST = FormRenderer()


class DisabledOptionSelect(forms.Select):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] == "b":
            option["attrs"]["disabled"] = True
            option["attrs"]["data-note"] = 'say "no" & <leave>'
        option["attrs"]["data-off"] = False
        return option


class OwnOptionTemplate(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"


CHOICES = [("", "All"), ("a", "Alpha & <b>"), ("b", 'Bravo "quoted"'), (3, "Three")]
GROUPED = [("", "All"), ("North", [("n1", "North 1"), ("n2", "North <2>")]), ("s", "South")]

CASES = [
    (forms.Select(choices=CHOICES), "pick", "a", {"id": "id_pick", "class": "form-select"}),
    (forms.Select(choices=CHOICES), "pick", 3, {"required": True, "aria-invalid": False}),
    (forms.Select(choices=CHOICES), "pick", None, None),
    (forms.Select(choices=GROUPED), "place", "n2", {"id": "id_place"}),
    (forms.SelectMultiple(choices=CHOICES), "many", ["a", "3"], {"id": "id_many"}),
    (forms.NullBooleanSelect(), "flag", True, {"class": "form-select"}),
    (DisabledOptionSelect(choices=CHOICES), "odd", "b", {"title": "<x> & 'y'"}),
]


@pytest.mark.parametrize(("widget", "name", "value", "attrs"), CASES)
def test_select_renders_the_same_bytes_as_django_templates(widget, name, value, attrs):
    expected = widget.render(name, value, attrs=attrs, renderer=STOCK)
    assert widget.render(name, value, attrs=attrs, renderer=FAST) == expected
    assert "<option" in expected


INPUTS = [
    (
        forms.TextInput(),
        "q",
        'A & "B" <c>',
        {"id": "id_q", "placeholder": "Tag or serial", "autofocus": True},
    ),
    (forms.TextInput(), "q", None, {"required": False, "maxlength": 60}),
    (forms.TextInput(), "q", "", None),
    (forms.NumberInput(), "quantity", 3, {"min": 0, "step": "any", "class": "form-control"}),
    (forms.NumberInput(), "cost", Decimal("12.50"), {"class": "form-control is-invalid"}),
    (forms.EmailInput(), "email", "a@b.example", {"id": "id_email"}),
    (forms.PasswordInput(), "password", "secret", None),
    (forms.HiddenInput(), "version", 7, {"id": "id_version"}),
    (forms.DateInput(), "day", dt.date(2026, 12, 4), {"type": "date"}),
    (forms.DateTimeInput(), "at", dt.datetime(2026, 12, 4, 9, 30), None),
    (forms.TimeInput(), "time", dt.time(9, 30), None),
    (forms.URLInput(), "url", "https://example.org/?a=1&b=2", None),
    (forms.CheckboxInput(), "done", True, {"id": "id_done"}),
    (forms.CheckboxInput(), "done", False, None),
    (forms.ClearableFileInput(), "file", None, None),
    (forms.FileInput(), "file", None, {"accept": ".csv"}),
    (forms.Textarea(), "notes", "Line <1>\nLine 2", {"rows": 3}),
]


@pytest.mark.parametrize(("widget", "name", "value", "attrs"), INPUTS)
def test_inputs_render_the_same_bytes_as_django_templates(widget, name, value, attrs):
    expected = widget.render(name, value, attrs=attrs, renderer=STOCK)
    assert widget.render(name, value, attrs=attrs, renderer=FAST) == expected
    assert expected.startswith(("<input", "<textarea"))


def test_a_model_choice_field_renders_the_same(db):
    from fleet.models import Location

    Location.objects.create(code="L1", name="Lincoln <Elementary> & Annex", kind="elementary")
    Location.objects.create(code="L2", name="Washington High", kind="high")

    class PickForm(forms.Form):
        location = forms.ModelChoiceField(queryset=Location.objects.order_by("code"), empty_label="Any")

    chosen = Location.objects.get(code="L2").pk
    stock = str(PickForm(initial={"location": chosen}, renderer=STOCK)["location"])
    fast = str(PickForm(initial={"location": chosen}, renderer=FAST)["location"])
    assert fast == stock
    assert "Lincoln &lt;Elementary&gt; &amp; Annex" in fast
    assert f'value="{chosen}" selected' in fast


def test_an_option_with_its_own_template_falls_back_to_the_templates():
    widget = OwnOptionTemplate(choices=CHOICES)
    context = widget.get_context("own", "a", {"id": "id_own"})
    assert render_select(context["widget"]) is None
    assert widget.render("own", "a", renderer=FAST) == widget.render("own", "a", renderer=STOCK)


def test_the_project_renders_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)
