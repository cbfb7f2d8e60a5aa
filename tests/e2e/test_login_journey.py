"""Signing in and out through the real login form in Chromium."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.e2e.helpers import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_technician_signs_in_and_sees_technician_home(page: Page, technician: User):
    sign_in(page, "technician")

    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("heading", name="Welcome, Terry Tech")).to_be_visible()
    expect(page.locator("#home-technician")).to_be_visible()
    expect(page.locator("#home-technician")).to_contain_text("IT Systems Specialist I")
    expect(page.locator("#home-admin")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    # htmx (a deferred script) came from the live server's static files, offsite requests
    # being aborted, and ran.
    page.wait_for_function("() => typeof window.htmx === 'object'")


def test_sign_in_with_wrong_password_shows_error_and_stays_on_login(page: Page, technician: User):
    sign_in(page, "technician", "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:login")) + "$"))
    expect(page.locator("#home-technician")).to_have_count(0)


def test_technician_signs_out_and_is_sent_to_login(page: Page, technician: User):
    sign_in(page, "technician")
    expect(page.locator("#home-technician")).to_be_visible()

    sign_out(page)

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(reverse("portal:home"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
