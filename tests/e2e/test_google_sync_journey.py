"""A supervisor on a phone (390 px) opens the Google sync page: unconfigured it says how to set
the sync up with the button disabled; configured, "Sync now" reads Google (recorded answers over
HttpMockSequence, the only thing mocked) and the page shows the counts and what was refused."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from googleapiclient.http import HttpMockSequence
from playwright.sync_api import Page, expect

from accounts.models import User
from fleet.models import GoogleSyncRun
from fleet.services import google_sync
from tests.e2e.helpers import sign_in
from tests.e2e.test_import_mapping_phone_journey import PHONE, fits_the_phone
from tests.fleet.import_support import import_reference
from tests.fleet.test_google_sync import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_supervisor_sets_up_and_runs_the_google_sync_on_a_phone(
    page: Page, supervisor: User, settings, tmp_path, monkeypatch
):
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.GOOGLE_ADMIN_SUBJECT = ""
    import_reference()
    page.set_viewport_size(PHONE)
    sign_in(page, supervisor.username)

    page.goto(reverse("fleet:google_sync"))
    setup = page.locator("#sync-setup")
    expect(setup).to_contain_text("GOOGLE_SERVICE_ACCOUNT_FILE is not set.")
    expect(setup).to_contain_text(google_sync.SCOPE)
    expect(page.get_by_role("button", name="Sync now")).to_be_disabled()
    fits_the_phone(page)

    key = tmp_path / "service-account.json"
    key.write_text(json.dumps({"type": "service_account"}))
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(key)
    settings.GOOGLE_ADMIN_SUBJECT = "it-admin@district.example.org"
    monkeypatch.setattr(google_sync, "_authorized_http", lambda config: HttpMockSequence(pages()))
    monkeypatch.setattr(google_sync, "_sleep", lambda seconds: None)
    page.reload()
    page.get_by_role("button", name="Sync now").click()

    expect(page.locator("#sync-created")).to_have_text("4")
    expect(page.locator("#sync-refused")).to_have_text("1")
    expect(page.locator("#sync-problems")).to_contain_text("7K2QX93")
    fits_the_phone(page)
    assert GoogleSyncRun.objects.get().requested_by == supervisor
