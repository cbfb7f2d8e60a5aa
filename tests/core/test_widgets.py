"""MemoSelect: the same select renders once per process, and any change to its options shows."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.widgets import MemoSelect
from fleet.models import Location
from tests.fleet.factories import LocationFactory

pytestmark = pytest.mark.django_db


class _LocationForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.order_by("name"), widget=MemoSelect)


def test_memo_select_renders_the_same_html_with_one_query_each_time():
    LocationFactory.create(name="Alder Elementary")
    first = str(_LocationForm()["location"])

    with CaptureQueriesContext(connection) as captured:
        again = str(_LocationForm()["location"])

    assert again == first
    assert len(captured) == 1  # the options, still read so a change shows at once


def test_memo_select_shows_a_renamed_option_and_the_selected_value():
    school = LocationFactory.create(name="Alder Elementary")
    str(_LocationForm()["location"])
    Location.objects.filter(pk=school.pk).update(name="Alder Academy")

    html = str(_LocationForm({"location": school.pk})["location"])

    assert "Alder Academy" in html and "Alder Elementary" not in html
    assert f'<option value="{school.pk}" selected>' in html


def test_a_memo_hit_renders_without_normalising_the_options_again(monkeypatch):
    """On a hit the options read for the key are not handed to the widget's ``choices`` setter,
    which would walk all of them again; on a miss they are, and the select shows them."""
    LocationFactory.create(name="Alder Elementary")
    first = str(_LocationForm()["location"])
    assigned = []
    setter = MemoSelect.choices.fset  # type: ignore[attr-defined]  # a property on ChoiceWidget

    def spy(widget, value):
        if isinstance(value, list):  # the options as read by render; Django binds an iterator
            assigned.append(value)
        setter(widget, value)

    monkeypatch.setattr(MemoSelect, "choices", MemoSelect.choices.setter(spy))  # type: ignore[attr-defined]
    assert str(_LocationForm()["location"]) == first
    assert assigned == []

    LocationFactory.create(name="Birch Middle")
    assert "Birch Middle" in str(_LocationForm()["location"])
    assert len(assigned) == 1


def test_the_filters_model_dropdowns_are_memo_selects_unless_told_otherwise():
    import django_filters

    from core.filters import NameModelChoiceFilter, PartModelChoiceFilter, UserModelChoiceFilter

    for filter_class in (NameModelChoiceFilter, UserModelChoiceFilter, PartModelChoiceFilter):
        assert filter_class(queryset=Location.objects.all()).field.widget.__class__ is MemoSelect
    chosen = NameModelChoiceFilter(queryset=Location.objects.all(), widget=forms.RadioSelect)
    assert chosen.field.widget.__class__ is forms.RadioSelect
    assert issubclass(UserModelChoiceFilter, django_filters.ModelChoiceFilter)
