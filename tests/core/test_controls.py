"""The filter bar writes plain controls itself (core/templatetags/controls.py): each must keep its
label, Bootstrap's classes, and an error that names the field and is tied to its control."""

from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string


class Filters(forms.Form):
    q = forms.CharField(required=False, label="Tag starts with", help_text="At least two characters")
    year = forms.IntegerField(required=False, label="AUE year")
    status = forms.ChoiceField(required=False, choices=[("", "Any"), ("deployed", "Deployed")])
    kinds = forms.MultipleChoiceField(required=False, choices=[("a", "A"), ("b", "B")])
    mine = forms.BooleanField(required=False, label="Only mine")  # not plain: bootstrap_field


def bar(data: dict[str, str]) -> str:
    form = Filters(data)
    form.is_valid()
    return render_to_string("components/filter_bar.html", {"form": form})


def control(html: str, name: str) -> str:
    (tag,) = re.findall(rf'<(?:input|select)[^>]* name="{name}"[^>]*>', html)
    return tag


def test_each_control_has_its_label_and_bootstrap_class_and_no_green_tick():
    html = bar({"q": "CB", "year": "2027", "status": "deployed"})

    for name, css in (("q", "form-control"), ("year", "form-control"), ("status", "form-select")):
        tag = control(html, name)
        assert f'class="{css}"' in tag and f'id="id_{name}"' in tag
        assert f'<label class="form-label" for="id_{name}">' in html
    assert 'class="form-select" id="id_kinds" multiple' in html
    assert all("is-valid" not in control(html, name) for name in ("q", "year", "status", "kinds"))
    assert 'aria-describedby="id_q_helptext"' in control(html, "q")
    assert '<div id="id_q_helptext" class="form-text">At least two characters</div>' in html
    assert 'name="mine"' in html and "form-check-input" in html  # left to bootstrap_field


def test_a_refused_filter_is_marked_and_its_message_tied_to_it():
    html = bar({"year": "soon", "status": "lost"})

    for name in ("year", "status"):
        tag = control(html, name)
        assert "is-invalid" in tag and 'aria-invalid="true"' in tag
        assert f'aria-describedby="id_{name}_error"' in tag
    error = '<div id="id_{}_error" class="w-100"><div class="invalid-feedback d-block">{}'
    assert error.format("year", "Enter a whole number.</div>") in html
    assert error.format("status", "Select a valid choice. lost is not one of the available choices.") in html
    assert "is-invalid" not in control(html, "q")
