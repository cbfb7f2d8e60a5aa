"""The database itself refuses rows that break an invariant, whatever code path wrote them."""

import pytest
from django.db import IntegrityError, transaction

from fleet.choices import AssigneeKind
from tests.fleet.factories import DeviceFactory, DeviceModelFactory, ManufacturerFactory
from tests.repairs.factories import StockLevelFactory

pytestmark = pytest.mark.django_db


def test_stock_level_with_negative_on_hand_raises_integrity_error():
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevelFactory.create(on_hand=-1)


def test_stock_level_update_below_zero_raises_integrity_error():
    level = StockLevelFactory.create(on_hand=1)
    level.on_hand = -1

    with pytest.raises(IntegrityError), transaction.atomic():
        level.save(update_fields=["on_hand"])


def test_device_with_duplicate_serial_for_same_manufacturer_raises_integrity_error():
    device = DeviceFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceFactory.create(model=device.model, serial=device.serial)


def test_device_with_same_serial_for_other_manufacturer_is_saved():
    device = DeviceFactory.create()
    other_model = DeviceModelFactory.create(manufacturer=ManufacturerFactory.create())

    twin = DeviceFactory.create(model=other_model, serial=device.serial)

    assert twin.serial == device.serial
    assert twin.manufacturer != device.manufacturer


def test_device_with_assignee_kind_but_no_id_raises_integrity_error():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceFactory.create(assignee_kind=AssigneeKind.STUDENT, assignee_id="")


def test_device_with_assignee_id_but_no_kind_raises_integrity_error():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceFactory.create(assignee_kind="", assignee_id="S1234567")


def test_device_with_assignee_kind_and_id_is_saved():
    device = DeviceFactory.create(assignee_kind=AssigneeKind.STUDENT, assignee_id="S1234567")

    assert device.assignee_id == "S1234567"


def test_device_factory_serial_matches_manufacturer_format():
    maker = ManufacturerFactory.create(serial_regex=r"[0-9A-Z]{7}", serial_example="5CD12AB")

    device = DeviceFactory.create(model=DeviceModelFactory.create(manufacturer=maker))

    assert len(device.serial) == 7
    assert device.manufacturer == maker
