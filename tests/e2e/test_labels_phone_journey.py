"""A technician on a phone (390 px) filters the device list to one school, opens Print labels,
sees the count and sheets update as the form changes, is told beside the field what is wrong
with a backwards tag range, and downloads a label sheet whose barcodes read back as the tags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from tests.e2e.helpers import page_width, sign_in
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.fleet.label_support import decode_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOTS = Path("/tmp/labels-screenshots")


def fits_the_phone(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    assert page_width(page) <= PHONE["width"], page.url
    severe = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, f"{page.url}: {severe}"


def test_technician_prints_a_schools_labels_from_the_filtered_device_list(
    page: Page, technician: User, tmp_path: Path
):
    school = LocationFactory.create(name="Cedar Middle")
    devices = DeviceFactory.create_batch(12, location=school)
    DeviceFactory.create_batch(2)  # another school's
    page.set_viewport_size(PHONE)
    sign_in(page, technician.username)

    page.goto(f"{reverse('fleet:device_list')}?location={school.pk}")
    page.get_by_role("link", name="Print labels for these devices").click()
    expect(page.locator("#label-filters")).to_contain_text("Location: Cedar Middle")
    expect(page.locator("#label-preview")).to_contain_text("12 labels.")
    fits_the_phone(page)

    page.get_by_label("Skip the first labels").fill("25")
    page.keyboard.press("Tab")  # leaving the field is what fires its change
    expect(page.locator("#label-preview")).to_contain_text("12 labels on 2 sheets.")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "label-form-390.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Print labels").click()
    download = download_info.value
    assert download.suggested_filename.startswith("labels-avery5160-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    first_sheet, second_sheet = decode_pages(saved.read_bytes())
    assert first_sheet + second_sheet == sorted(device.asset_tag for device in devices)
    assert len(first_sheet) == 5


def test_a_backwards_range_is_refused_beside_its_field_on_a_phone(page: Page, technician: User):
    page.set_viewport_size(PHONE)
    sign_in(page, technician.username)

    page.goto(reverse("fleet:label_print"))
    page.get_by_label("A range of new tags").check()
    page.get_by_label("Tag prefix").fill("CB-")
    page.get_by_label("First number").fill("130")
    page.get_by_label("Last number").fill("101")
    page.get_by_label("Print on").select_option("roll")
    page.get_by_role("button", name="Print labels").click()

    last = page.locator("#id_last")
    expect(last).to_have_class(re.compile(r"\bis-invalid\b"))
    # The message sits in the last number's own box, right below it.
    expect(last.locator("xpath=ancestor::div[contains(@class, 'col-6')][1]")).to_contain_text(
        "The last number comes before the first (130)."
    )
    fits_the_phone(page)
    page.screenshot(path=str(SCREENSHOTS / "label-form-refused-390.png"), full_page=True)
