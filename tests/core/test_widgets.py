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
