"""``NameModelChoiceFilter`` and its kin for users and parts: the same dropdown as django-filter's,
read as rows, not instances."""

from __future__ import annotations

import django_filters
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.filters import NameModelChoiceFilter, PartModelChoiceFilter, UserModelChoiceFilter
from core.widgets import MemoSelect
from fleet.models import Device, Location
from repairs.models import Part, StockMovement
from tests.accounts.factories import UserFactory
from tests.fleet.factories import LocationFactory
from tests.repairs.factories import PartFactory

pytestmark = pytest.mark.django_db


class Before(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.order_by("name"))
    memo = django_filters.ModelChoiceFilter(
        field_name="location", queryset=Location.objects.order_by("name"), widget=MemoSelect
    )
    nullable = django_filters.ModelChoiceFilter(
        field_name="location", queryset=Location.objects.order_by("name"), null_label="Nowhere"
    )

    class Meta:
        model = Device
        fields: list[str] = []


class After(django_filters.FilterSet):
    location = NameModelChoiceFilter(queryset=Location.objects.order_by("name"))
    memo = NameModelChoiceFilter(
        field_name="location", queryset=Location.objects.order_by("name"), widget=MemoSelect
    )
    nullable = NameModelChoiceFilter(
        field_name="location", queryset=Location.objects.order_by("name"), null_label="Nowhere"
    )

    class Meta:
        model = Device
        fields: list[str] = []


@pytest.mark.parametrize("chosen", [None, "picked", "null", "unknown"])
def test_the_dropdowns_are_the_same_bytes_as_django_filters(chosen: str | None):
    places = [
        LocationFactory.create(name=name) for name in ("Depot <north>", "Élan & Co", "O'Hare Elementary")
    ]
    value = {"picked": str(places[1].pk), "null": "null", "unknown": "999999", None: ""}[chosen]
    data = {"location": value, "memo": value, "nullable": value}

    before, after = Before(data).form, After(data).form

    for name in ("location", "memo", "nullable"):
        assert str(after[name]) == str(before[name])
    assert "Depot &lt;north&gt;" in str(after["location"]) and "Nowhere" in str(after["nullable"])
    assert after.is_valid() == before.is_valid()


def test_the_options_are_read_in_one_query_of_two_columns():
    LocationFactory.create_batch(5)
    form = After({}).form

    with CaptureQueriesContext(connection) as queries:
        str(form["location"])

    assert len(queries) == 1
    assert queries[0]["sql"].split(" FROM ")[0].count(",") == 1  # pk and name only


class ByInstance(django_filters.FilterSet):
    # A plain Select: a MemoSelect here would hand ByRow the HTML this one remembered.
    assignee = django_filters.ModelChoiceFilter(
        field_name="ticket__assignee", queryset=User.objects.order_by("pk")
    )
    part = django_filters.ModelChoiceFilter(queryset=Part.objects.order_by("pk"))

    class Meta:
        model = StockMovement
        fields: list[str] = []


class ByRow(django_filters.FilterSet):
    assignee = UserModelChoiceFilter(
        field_name="ticket__assignee", queryset=User.objects.order_by("pk"), widget=MemoSelect
    )
    part = PartModelChoiceFilter(queryset=Part.objects.order_by("pk"))

    class Meta:
        model = StockMovement
        fields: list[str] = []


@pytest.mark.parametrize("chosen", [None, "picked", "unknown"])
def test_users_and_parts_are_labelled_as_their_str(chosen: str | None):
    users = [
        UserFactory.create(first_name="Zoë", last_name="O'Neil"),
        UserFactory.create(first_name="", last_name="", username="kiosk<1>"),
        UserFactory.create(first_name="Sam", last_name=""),
    ]
    parts = [PartFactory.create(description="Keyboard & palm rest"), PartFactory.create(description="")]
    value = {"picked": "second", "unknown": "999999", None: ""}[chosen]
    data = {
        "assignee": str(users[1].pk) if value == "second" else value,
        "part": str(parts[1].pk) if value == "second" else value,
    }

    before, after = ByInstance(data).form, ByRow(data).form

    for name in ("assignee", "part"):
        assert str(after[name]) == str(before[name])
    assert "Zoë O&#x27;Neil" in str(after["assignee"]) and "kiosk&lt;1&gt;" in str(after["assignee"])
    assert f">{parts[0].part_number} Keyboard &amp; palm rest<" in str(after["part"])
    assert after.is_valid() == before.is_valid()
