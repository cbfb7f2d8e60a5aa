"""``NameModelChoiceFilter`` and its kin for users and parts: the same dropdown as django-filter's,
read as rows, not instances; their fields the same as Django's ``ModelChoiceField`` in plain forms."""

from __future__ import annotations

import django_filters
import pytest
from django import forms
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.filters import (
    NameModelChoiceFilter,
    PartModelChoiceField,
    PartModelChoiceFilter,
    RowModelChoiceField,
    UserModelChoiceField,
    UserModelChoiceFilter,
    filtered,
)
from core.widgets import MemoSelect
from fleet.filters import DeviceFilterSet
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


# The same fields in the apps' plain forms (stock transfer, ticket assignment, time entry...).


class PlainBefore(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.order_by("name"), empty_label="—")
    assignee = forms.ModelChoiceField(
        queryset=User.objects.order_by("pk"), required=False, empty_label="Nobody"
    )
    part = forms.ModelChoiceField(queryset=Part.objects.order_by("pk"), empty_label=None)


class PlainAfter(forms.Form):
    location = RowModelChoiceField(queryset=Location.objects.order_by("name"), empty_label="—")
    assignee = UserModelChoiceField(
        queryset=User.objects.order_by("pk"), required=False, empty_label="Nobody"
    )
    part = PartModelChoiceField(queryset=Part.objects.order_by("pk"), empty_label=None)


@pytest.mark.parametrize("chosen", [None, "picked", "unknown"])
def test_in_a_plain_form_they_render_and_clean_as_djangos_model_choice_field(chosen: str | None):
    places = [LocationFactory.create(name=name) for name in ("Depot <north>", "O'Hare Elementary")]
    users = [
        UserFactory.create(first_name="Zoë", last_name="O'Neil"),
        UserFactory.create(username="kiosk<1>"),
    ]
    parts = [PartFactory.create(description="Keyboard & palm rest"), PartFactory.create(description="")]
    data = {
        "picked": {"location": places[1].pk, "assignee": users[1].pk, "part": parts[1].pk},
        "unknown": {"location": 999999, "assignee": 999999, "part": 999999},
        None: {},
    }[chosen]

    before, after = PlainBefore(data), PlainAfter(data)

    for name in ("location", "assignee", "part"):
        assert str(after[name]) == str(before[name])
    assert after.is_valid() == before.is_valid()
    assert after.errors == before.errors
    if chosen == "picked":
        assert (
            after.cleaned_data
            == before.cleaned_data
            == {
                "location": places[1],
                "assignee": users[1],
                "part": parts[1],
            }
        )
    if chosen == "unknown":
        assert set(after.errors) == {"location", "assignee", "part"}


def _project_filtersets() -> list[type[django_filters.FilterSet]]:
    """Every FilterSet the apps declare (imported through their APIs and selectors)."""
    import fleet.filters
    import forecasting.filters
    import repairs.filters.stock
    import repairs.filters.tickets
    import staff.filters
    import students.filters

    found = []
    for module in (fleet.filters, forecasting.filters, repairs.filters.stock, repairs.filters.tickets):
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, django_filters.FilterSet)
        ]
    for module in (staff.filters, students.filters):
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, django_filters.FilterSet)
        ]
    return sorted({f for f in found if f._meta.model is not None}, key=lambda f: f.__name__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("filterset_class", _project_filtersets(), ids=lambda f: f.__name__)
@pytest.mark.parametrize("empty", [None, {}, QueryDict()], ids=["none", "dict", "querydict"])
def test_with_no_filters_every_filter_set_leaves_the_rows_as_they_are(filterset_class, empty):
    """``filtered`` skips the filter set when there is nothing to filter: each app's filter set,
    given no data, must make the very same query."""
    rows = filterset_class._meta.model.objects.order_by("pk")
    assert str(filtered(filterset_class, empty, rows).query) == str(rows.query)
    assert str(filterset_class(empty or {}, queryset=rows).qs.query) == str(rows.query)


def test_with_filters_it_is_the_filter_sets_rows_and_without_it_builds_none(monkeypatch):
    kept, moved = LocationFactory.create(name="Kept"), LocationFactory.create(name="Moved")
    devices = Device.objects.order_by("pk")
    data = {"location": str(kept.pk)}
    assert str(filtered(DeviceFilterSet, data, devices).query) == str(
        DeviceFilterSet(data, queryset=devices).qs.query
    )
    assert moved.pk != kept.pk

    built = []
    original = DeviceFilterSet.__init__

    def spy(self, *args, **kwargs):
        built.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(DeviceFilterSet, "__init__", spy)
    assert filtered(DeviceFilterSet, {}, devices) is devices
    assert built == []
    filtered(DeviceFilterSet, data, devices)
    assert len(built) == 1


@pytest.mark.parametrize("filterset_class", _project_filtersets(), ids=lambda f: f.__name__)
def test_the_form_class_is_made_once_and_its_forms_are_djangos_and_share_no_field(filterset_class):
    from core.filters import FilterSet

    assert issubclass(filterset_class, FilterSet)
    rows = filterset_class._meta.model.objects.all()
    first, second = filterset_class({}, queryset=rows), filterset_class({"page": "2"}, queryset=rows)
    built_afresh = django_filters.FilterSet.get_form_class(filterset_class({}, queryset=rows))

    assert type(first.form) is type(second.form)
    assert str(first.form) == str(built_afresh({}))
    assert list(first.form.fields) == list(built_afresh.base_fields)
    for name, field in first.form.fields.items():
        assert field is not second.form.fields[name]
        assert field.label == built_afresh.base_fields[name].label
