"""Every failure is shown: htmx refusals (403, 404, 500, a 409 form) and successes appear in
place in Chromium, instead of htmx dropping the answer."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from tests.accounts.factories import UserFactory
from tests.e2e.helpers import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("tests.core.failure_views"),
]


def test_htmx_refusals_and_successes_show_in_place(browser, live_server):
    UserFactory.create(username="tess", roles=[Role.TECHNICIAN])
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, "tess")
    page.goto("/failure/")

    page.locator("#forbidden-form button").click()
    expect(page.locator("#forbidden-form .alert-danger")).to_contain_text("Your role does not allow this")

    page.locator("#missing-form button").click()
    expect(page.locator("#missing-form .alert-danger")).to_contain_text("This page or record does not exist")

    page.locator("#broken-form button").click()
    expect(page.locator("#broken-form .alert-danger")).to_contain_text("nothing was saved")

    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#stock-form [role=alert]")).to_have_text("Only 2 in stock at Central Depot.")
    expect(page.get_by_label("Quantity")).to_be_focused()

    page.locator("#saved-form button").click()
    expect(page.locator("#messages .alert-success")).to_have_text("Part issued: Keyboard, 1 unit.")
    expect(page.locator("#out")).to_have_text("saved")
    context.close()
