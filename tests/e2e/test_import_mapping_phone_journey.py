"""A supervisor on a phone (390 px) imports the GAM sample with no file edited: answers where
"Surplus" goes, confirms, finds the answer on the mappings page and confirms a device's variant."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from fleet.choices import LocationKind
from fleet.models import Device, ImportMapping
from tests.e2e.helpers import sign_in
from tests.fleet.factories import LocationFactory
from tests.fleet.import_support import GAM_SAMPLE, import_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    severe = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, f"{page.url}: {severe}"


def test_supervisor_answers_the_surplus_question_and_confirms_a_variant(
    page: Page, supervisor: User, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    import_reference()
    LocationFactory.create(code="HOLD", name="Holding: surplus storage", kind=LocationKind.DEPOT)
    page.set_viewport_size(PHONE)
    sign_in(page, supervisor.username)

    page.goto(reverse("fleet:device_import"))
    page.get_by_label("File").set_input_files(GAM_SAMPLE)
    page.get_by_role("button", name="Preview").click()
    questions = page.locator("#import-questions")
    expect(questions).to_contain_text("Surplus")
    fits_the_phone(page)
    questions.get_by_role("combobox").select_option(label="Holding: surplus storage (HOLD)")
    page.get_by_role("button", name="Save the answers and check again").click()

    preview = page.locator("#import-preview")
    expect(preview.locator('[data-count="created"]')).to_have_text("5")
    expect(preview).to_contain_text("2 devices will come in with the variant to confirm")
    page.get_by_role("button", name="Import: create 5, update 0").click()
    expect(page.locator("#import-result").locator('[data-count="created"]')).to_have_text("5")
    assert Device.objects.get(serial="7K2QX93").location.code == "HOLD"

    page.goto(reverse("fleet:import_mapping_list"))
    expect(page.locator("#import-mappings")).to_contain_text("Surplus")
    fits_the_phone(page)
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Maps to")).to_have_value("HOLD")
    fits_the_phone(page)
    assert ImportMapping.objects.count() == 1

    device = Device.objects.get(serial="PF3K7Q2M")
    page.goto(reverse("fleet:device_detail", args=[device.pk]))
    expect(page.locator("#variant-to-confirm")).to_be_visible()
    fits_the_phone(page)
    page.get_by_label("Lenovo 100e Chromebook Gen 3 (Intel)").check()
    page.get_by_role("button", name="Confirm the variant").click()

    expect(page.locator("#variant-confirmed")).to_contain_text("variant confirmed by")
    device.refresh_from_db()
    assert device.variant_confirmed and device.model.name == "Lenovo 100e Chromebook Gen 3 (Intel)"
