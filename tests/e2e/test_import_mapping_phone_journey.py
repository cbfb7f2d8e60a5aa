"""A supervisor on a phone (390 px) imports the GAM sample with no file edited: answers where
"Surplus" goes, confirms, watches the import job's progress bar finish, finds the job in the
history and the answer on the mappings page, and confirms a device's variant."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from fleet.choices import ImportJobStatus, LocationKind
from fleet.models import Device, ImportJob, ImportMapping
from fleet.selectors.imports import progress_key
from tests.e2e.helpers import page_width, sign_in
from tests.fleet.factories import LocationFactory
from tests.fleet.import_support import GAM_SAMPLE, import_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


WIDER_THAN_THE_PAGE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""


def fits_the_phone(page: Page) -> None:
    # Measured once htmx has swapped and settled: a panel mid-swap is not what the user sees.
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    wide = page.evaluate(WIDER_THAN_THE_PAGE)
    assert page_width(page) <= PHONE["width"], (page.url, wide)
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

    # The confirm starts a background job: its page polls the progress bar until it is done.
    expect(page).to_have_url(re.compile(r"/fleet/imports/\d+/$"))
    bar = page.locator("#import-job-progress")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    status = page.locator("#import-job-status")
    expect(status.locator(".job-status")).to_have_text("Finished")
    expect(status.locator('[data-count="created"]')).to_have_text("5")
    expect(page.locator("#import-job-rows")).to_contain_text("5 of 5 devices written")
    fits_the_phone(page)
    assert Device.objects.get(serial="7K2QX93").location.code == "HOLD"

    page.goto(reverse("fleet:import_job_list"))
    expect(page.locator("#import-jobs")).to_contain_text("gam_print_cros_sample.csv")
    fits_the_phone(page)

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


def test_supervisor_watches_a_running_import_poll_its_progress_and_cancels_another(
    page: Page, supervisor: User, admin_user: User
):
    """A worker runs the jobs here (simulated through the same cache and rows it writes): the page
    polls every second, so the bar moves and the end shows without reloading."""
    running = ImportJob.objects.create(
        requested_by=admin_user,
        file_name="district.csv",
        file_format="gam",
        storage_name="device-imports/district.csv",
        status=ImportJobStatus.RUNNING,
    )
    cache.set(progress_key(running.pk), {"phase": "checking", "done": 12_000, "total": 250_000})
    page.set_viewport_size(PHONE)
    sign_in(page, supervisor.username)

    page.goto(reverse("fleet:import_job_detail", args=[running.pk]))
    expect(page.locator("#import-job-rows")).to_contain_text("12,000 of 250,000 rows checked")
    expect(page.locator("#import-job-progress")).to_have_attribute("aria-valuenow", "4")
    fits_the_phone(page)

    cache.set(progress_key(running.pk), {"phase": "writing", "done": 125_000, "total": 250_000})
    expect(page.locator("#import-job-rows")).to_contain_text("125,000 of 250,000 devices written")
    expect(page.locator("#import-job-progress")).to_have_attribute("aria-valuenow", "50")
    ImportJob.objects.filter(pk=running.pk).update(
        status=ImportJobStatus.SUCCEEDED,
        phase="writing",
        rows_done=250_000,
        rows_total=250_000,
        devices_created=250_000,
    )
    expect(page.locator("#import-job-status .job-status")).to_have_text("Finished")
    expect(page.locator("#import-job-progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator('#import-job-status [data-count="created"]')).to_have_text("250,000")
    fits_the_phone(page)

    other = ImportJob.objects.create(
        requested_by=admin_user,
        file_name="second.csv",
        file_format="gam",
        storage_name="device-imports/second.csv",
        status=ImportJobStatus.RUNNING,
    )
    page.goto(reverse("fleet:import_job_detail", args=[other.pk]))
    page.get_by_role("button", name="Cancel the import").click()
    expect(page.locator("#import-job-status")).to_contain_text("Stopping: nothing will be written.")
    assert ImportJob.objects.get(pk=other.pk).cancel_requested
    fits_the_phone(page)
