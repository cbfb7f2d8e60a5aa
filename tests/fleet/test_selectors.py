"""Fleet reads: visibility, filters, exact and prefix lookup, life facts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import Http404

from accounts.models import User
from fleet.choices import DeviceStatus, DeviceType, WarrantyState
from fleet.selectors import devices as selectors
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, LocationFactory, ManufacturerFactory

pytestmark = pytest.mark.django_db


def test_device_list_for_school_admin_shows_only_their_school(school_admin: User):
    own = school_admin.profile.locations.get()
    mine = DeviceFactory.create(location=own)
    DeviceFactory.create()

    assert list(selectors.device_list(user=school_admin)) == [mine]


def test_device_list_for_user_without_role_is_empty(no_role_user: User):
    DeviceFactory.create()

    assert not selectors.device_list(user=no_role_user).exists()


def test_device_get_of_another_school_for_school_admin_raises_404(school_admin: User):
    elsewhere = DeviceFactory.create()

    with pytest.raises(Http404):
        selectors.device_get(user=school_admin, device_id=elsewhere.pk)


def test_device_list_filters_by_status_location_model_maker_and_type(technician: User):
    school = LocationFactory.create()
    laptop_model = DeviceModelFactory.create(device_type=DeviceType.WINDOWS_LAPTOP, aue_month=None)
    target = DeviceFactory.create(location=school, model=laptop_model, status=DeviceStatus.IN_REPAIR)
    DeviceFactory.create(location=school, status=DeviceStatus.IN_REPAIR)
    DeviceFactory.create(model=laptop_model, status=DeviceStatus.IN_REPAIR)
    DeviceFactory.create(location=school, model=laptop_model)

    filters = {
        "status": ["in_repair"],
        "location": str(school.pk),
        "model": str(laptop_model.pk),
        "manufacturer": str(laptop_model.manufacturer_id),
        "device_type": DeviceType.WINDOWS_LAPTOP,
    }
    assert list(selectors.device_list(user=technician, filters=filters)) == [target]


def test_device_list_aue_year_prefers_the_device_override_over_the_model(technician: User):
    model_2029 = DeviceModelFactory.create(aue_month=dt.date(2029, 6, 1))
    by_model = DeviceFactory.create(model=model_2029)
    overridden = DeviceFactory.create(model=model_2029, aue_override=dt.date(2031, 6, 30))

    assert list(selectors.device_list(user=technician, filters={"aue_year": "2029"})) == [by_model]
    assert list(selectors.device_list(user=technician, filters={"aue_year": "2031"})) == [overridden]


@time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("warranty_end", "state"),
    [
        (dt.date(2028, 1, 1), WarrantyState.ACTIVE),
        (dt.date(2027, 1, 15), WarrantyState.EXPIRING),
        (dt.date(2026, 11, 27), WarrantyState.EXPIRED),
        (None, WarrantyState.UNKNOWN),
    ],
)
def test_device_list_warranty_filter_matches_each_state(
    technician: User, warranty_end: dt.date | None, state: str
):
    device = DeviceFactory.create(warranty_end=warranty_end)
    for other in (dt.date(2030, 1, 1), dt.date(2027, 1, 1), dt.date(2020, 1, 1), None):
        if other != warranty_end:
            DeviceFactory.create(warranty_end=other)

    found = list(selectors.device_list(user=technician, filters={"warranty": state}))

    assert device in found
    assert all(selectors.device_life_facts(device=d).warranty_state == state for d in found)


def test_device_list_invalid_filter_returns_nothing(technician: User):
    DeviceFactory.create()

    assert not selectors.device_list(user=technician, filters={"status": ["melted"]}).exists()


def test_device_list_orders_by_location_name(technician: User):
    b = DeviceFactory.create(location=LocationFactory.create(name="Birch ES"))
    a = DeviceFactory.create(location=LocationFactory.create(name="Aspen ES"))

    assert list(selectors.device_list(user=technician, filters={"ordering": "location"})) == [a, b]
    assert list(selectors.device_list(user=technician, filters={"ordering": "-location"})) == [b, a]


def test_device_find_exact_matches_tag_or_serial_in_any_case(technician: User):
    device = DeviceFactory.create(asset_tag="CB-0104512")

    assert selectors.device_find_exact(user=technician, identifier=" cb-0104512\n") == device
    assert selectors.device_find_exact(user=technician, identifier=device.serial.lower()) == device
    assert selectors.device_find_exact(user=technician, identifier="CB-01045") is None


def test_device_find_exact_with_a_serial_shared_by_two_makers_is_ambiguous(technician: User):
    first = DeviceFactory.create(serial="PF3K7Q2M")
    other_maker = ManufacturerFactory.create()
    DeviceFactory.create(serial="PF3K7Q2M", model=DeviceModelFactory.create(manufacturer=other_maker))

    assert selectors.device_find_exact(user=technician, identifier="PF3K7Q2M") is None
    assert selectors.device_find_exact(user=technician, identifier=first.asset_tag) == first


def test_device_search_matches_prefixes_of_tag_and_serial(technician: User):
    by_tag = DeviceFactory.create(asset_tag="CB-0200001")
    by_serial = DeviceFactory.create(asset_tag="LT-0000009", serial="CB-SERIAL")
    DeviceFactory.create(asset_tag="LT-0000010")

    assert set(selectors.device_search(user=technician, prefix="cb-")) == {by_tag, by_serial}
    assert selectors.device_search(user=technician, prefix="c") == []


@time_machine.travel(dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC), tick=False)
def test_device_life_facts_counts_whole_months_of_updates_left():
    model = DeviceModelFactory.create(aue_month=dt.date(2029, 6, 1))
    device = DeviceFactory.create(model=model)
    past = DeviceFactory.create(model=model, aue_override=dt.date(2025, 6, 30))

    facts = selectors.device_life_facts(device=device)
    assert facts.aue_date == dt.date(2029, 6, 30)
    assert facts.months_of_updates_left == 31
    assert selectors.device_life_facts(device=past).months_of_updates_left == 0
