"""A technician scans devices into their vehicle, then checks them in at the depot overnight."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from fleet.choices import CustodyEventKind, LocationKind
from fleet.models import CustodyEvent, Device
from tests.e2e.helpers import sign_in
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_technician_scans_two_devices_to_vehicle_then_checks_them_in_at_the_depot(
    page: Page, technician: User
):
    depot = LocationFactory.create(kind=LocationKind.DEPOT, name="Central Repair Depot", code="DEPOT")
    LocationFactory.create(name="Acorn Elementary")  # sorts first: the depot must be chosen by default
    first = DeviceFactory.create(asset_tag="CB-0200001")
    second = DeviceFactory.create(asset_tag="CB-0200002")
    sign_in(page, "technician")

    page.goto(reverse("fleet:scan_vehicle"))
    scan_box = page.get_by_label("Scan a device")
    expect(scan_box).to_be_focused()
    # A barcode scanner types fast and ends with Enter; the box keeps focus and clears itself.
    scan_box.press_sequentially(first.asset_tag.lower(), delay=5)
    scan_box.press("Enter")
    expect(page.locator("#scan-rows")).to_contain_text(first.asset_tag)
    expect(scan_box).to_have_value("")
    expect(scan_box).to_be_focused()
    # The next scans come before the answer: both are queued in order, none is lost.
    scan_box.press_sequentially(f"{second.asset_tag}\n{first.asset_tag}\n", delay=2)
    expect(page.locator("#scan-rows")).to_contain_text(second.asset_tag)
    expect(page.locator("#scan-rows li").first).to_contain_text(f"{first.asset_tag} is already in the list.")
    expect(scan_box).to_have_value("")
    expect(scan_box).to_be_focused()
    expect(page.locator("#scan-count")).to_have_text("2")
    # An unknown code shows an error row and does not stop the session.
    scan_box.press_sequentially("NOT-A-TAG", delay=5)
    scan_box.press("Enter")
    expect(page.locator("#scan-rows li").first).to_contain_text(
        "No single device has the asset tag or serial"
    )
    expect(page.locator("#scan-count")).to_have_text("2")

    page.get_by_role("button", name="Check out to my vehicle").click()

    expect(page.get_by_role("status")).to_contain_text("Checked out 2 devices to your vehicle.")
    expect(page.locator("#scan-count")).to_have_text("0")
    assert set(Device.objects.filter(custodian=technician)) == {first, second}

    page.get_by_role("link", name="Check them in at a location").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("fleet:scan_check_in")) + "$"))
    expect(page.get_by_label("Location")).to_have_value(str(depot.pk))
    expect(page.locator("#vehicle-now")).to_contain_text("In your vehicle now (2)")

    page.get_by_role("button", name="Check in all 2").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Checked in 2 devices at Central Repair Depot: secure overnight storage."
    )
    expect(page.locator("#vehicle-now")).to_contain_text("Your vehicle is empty.")
    for device in (first, second):
        device.refresh_from_db()
        assert (device.location, device.custodian) == (depot, None)
        kinds = list(CustodyEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True))
        assert kinds == [CustodyEventKind.VEHICLE_CHECK_OUT, CustodyEventKind.OVERNIGHT_STORAGE]

    page.goto(reverse("fleet:device_detail", args=[first.pk]))
    expect(page.locator("#custody-timeline")).to_contain_text("Secure overnight storage at the depot")
