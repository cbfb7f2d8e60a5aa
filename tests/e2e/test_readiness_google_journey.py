"""A technician on a phone (390 px) reads readiness from Google's data before online testing:
the per-school counts, then the devices behind one of them, each page fitting the phone and
passing axe."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from fleet.services.summaries import device_tally_refresh
from tests.e2e.helpers import sign_in
from tests.e2e.test_import_mapping_phone_journey import PHONE, fits_the_phone
from tests.fleet.readiness_support import readiness_district

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_technician_finds_the_devices_behind_a_readiness_count_on_a_phone(page: Page, technician: User):
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, 0), tick=True):
        readiness_district()
        device_tally_refresh()  # as after every import or sync, and nightly
        page.set_viewport_size(PHONE)
        sign_in(page, technician.username)

        page.goto(reverse("fleet:readiness_report"))
        table = page.locator("#readiness-table")
        expect(table).to_contain_text("Eastside ES")
        fits_the_phone(page)
        table.locator("tr", has_text="Eastside ES").locator('td[data-label="OS behind"] a').click()

        listing = page.locator("#readiness-devices")
        expect(listing).to_contain_text("E2")
        expect(listing).to_contain_text("E3")
        expect(listing).not_to_contain_text("W1")
        fits_the_phone(page)
