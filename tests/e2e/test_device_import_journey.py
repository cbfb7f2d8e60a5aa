"""An administrator imports the GAM sample in Chromium: upload, preview, confirm, the job's page
and the import history."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from fleet.models import CustodyEvent, Device
from tests.e2e.helpers import sign_in
from tests.fleet.import_support import GAM_SAMPLE, import_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_admin_uploads_gam_export_previews_and_confirms(page: Page, admin_user: User, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    import_reference()
    sign_in(page, admin_user.username)

    page.goto(reverse("fleet:device_import"))
    page.get_by_label("File").set_input_files(GAM_SAMPLE)
    page.get_by_label("Default location").select_option(label="Central Repair Depot")
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#import-preview")
    expect(preview).to_be_visible()
    expect(preview.locator('[data-count="created"]')).to_have_text("5")
    expect(preview.locator('[data-count="error_rows"]')).to_have_text("0")
    expect(preview).to_contain_text("CB-0104512")
    expect(page.locator("#import-form")).to_have_count(0)  # swapped by htmx, same page
    assert not Device.objects.exists()

    page.get_by_role("button", name="Import: create 5, update 0").click()

    # The confirm starts a background job and goes to its page.
    status = page.locator("#import-job-status")
    expect(page.locator("#import-job-progress")).to_have_attribute("aria-valuenow", "100")
    expect(status.locator(".job-status")).to_have_text("Finished")
    expect(status.locator('[data-count="created"]')).to_have_text("5")
    expect(status.get_by_role("status")).to_have_text(
        "Import finished: 5 devices created and 0 updated from gam_print_cros_sample.csv."
    )
    assert Device.objects.count() == 5
    assert CustodyEvent.objects.filter(actor=admin_user).count() == 5

    page.get_by_role("navigation", name="Imports").get_by_role("link", name="Import history").click()
    expect(page.locator("#import-jobs")).to_contain_text("gam_print_cros_sample.csv")
    expect(page.locator("#import-jobs")).to_contain_text("Finished")
