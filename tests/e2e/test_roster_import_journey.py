"""A supervisor on a phone imports the OneRoster 1.1 sample: the preview names each bad row by
file, line and field and asks which location the unmatched school is; answered, and with only
valid rows, the import runs as a job; the student opens from the scan box."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from students.models import Student
from tests.e2e.helpers import page_width, sign_in
from tests.fleet.factories import LocationFactory
from tests.students.roster_support import V11, schools

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_supervisor_imports_a_roster_on_a_phone(page: Page, supervisor: User, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    schools()
    LocationFactory.create(code="EAST", name="Eastside Elementary")
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, supervisor.username)

    page.goto(reverse("students:roster_import"))
    page.get_by_label("OneRoster export").set_input_files(sorted(str(p) for p in V11.glob("*.csv")))
    page.get_by_label("Import only the valid rows").check()
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#roster-preview")
    expect(preview).to_contain_text("OneRoster 1.1")
    expect(preview.locator(".row-error").filter(has_text="grades")).to_contain_text("14")
    page.get_by_label("Which location is the school “East Elementary School” (EES)?").select_option("EAST")
    preview.locator(".roster-question button").click()
    expect(preview.locator(".roster-question")).to_have_count(0)
    expect(preview.locator('[data-count="created"]')).to_have_text("8")
    assert not Student.objects.exists()
    assert page_width(page) <= 390

    page.get_by_role("button", name="Import 8 changes").click()
    status = page.locator("#roster-job-status")
    expect(status.locator(".job-status")).to_have_text("Finished")
    expect(status.locator('[data-count="created"]')).to_have_text("8")
    expect(status.locator(".row-error").first).to_contain_text("orgs.csv")
    assert Student.objects.count() == 8

    page.locator("#scan-box").fill("1000094")
    page.locator("#scan-box").press("Enter")
    expect(page.get_by_role("heading", name="Student 1000094")).to_be_visible()
    expect(page.locator(".student-facts")).to_contain_text("Eastside Elementary")
