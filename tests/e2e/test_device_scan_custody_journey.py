"""A technician scans a serial, opens the device, carries it in their vehicle to the depot."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from fleet.choices import CustodyEventKind, LocationKind
from fleet.models import CustodyEvent
from tests.e2e.helpers import sign_in
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_technician_scans_serial_then_checks_device_out_to_vehicle_and_in_at_depot(
    page: Page, technician: User
):
    LocationFactory.create(kind=LocationKind.DEPOT, name="Central Repair Depot", code="DEPOT")
    device = DeviceFactory.create(asset_tag="CB-0104512")
    sign_in(page, "technician")

    # A barcode scanner types the serial fast and ends with Enter.
    page.get_by_label("Asset tag or serial").press_sequentially(device.serial.lower(), delay=5)
    page.get_by_label("Asset tag or serial").press("Enter")

    expect(page).to_have_url(re.compile(re.escape(reverse("fleet:device_detail", args=[device.pk])) + "$"))
    expect(page.get_by_role("heading", name=re.compile("CB-0104512"))).to_be_visible()

    page.get_by_role("button", name="Put in my vehicle").click()
    expect(page.locator("#device-custody")).to_contain_text("In Terry Tech's vehicle")

    page.get_by_label("Check in at").select_option(label="Central Repair Depot")
    page.get_by_role("button", name="Check in from my vehicle").click()

    expect(page.locator("#device-custody")).to_contain_text("At Central Repair Depot")
    expect(page.locator("#custody-timeline")).to_contain_text("Secure overnight storage at the depot")
    kinds = list(CustodyEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True))
    assert kinds == [CustodyEventKind.VEHICLE_CHECK_OUT, CustodyEventKind.OVERNIGHT_STORAGE]
