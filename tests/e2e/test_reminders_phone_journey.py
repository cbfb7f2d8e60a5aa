"""A buyer on a phone (390 x 844) opens Reminders from the account menu, asks for low-stock
emails as they happen instead of weekly, and saves: the page says so, keeps the choice, fits the
screen and passes axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from notifications.models import NotificationPreference
from tests.e2e.helpers import open_account_menu, page_width, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_buyer_switches_low_stock_reminders_to_immediate_on_a_phone(page: Page, procurement: User):
    page.set_viewport_size(PHONE)
    sign_in(page, "procurement")
    reminders_link = page.get_by_role("link", name="Reminders", exact=True)
    open_account_menu(page, reminders_link)
    with page.expect_navigation():
        reminders_link.click()

    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()
    reminders = page.get_by_role("group", name="Parts at or below their reorder point")
    expect(reminders.get_by_label("In the weekly digest")).to_be_checked()  # the default
    expect(page.get_by_text("Loaners not returned")).to_have_count(0)  # not a buyer's concern
    assert page_width(page) <= PHONE["width"]
    violations = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert violations == []

    reminders.get_by_label("As it happens").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your reminder choices are saved.")).to_be_visible()
    expect(
        page.get_by_role("group", name="Parts at or below their reorder point").get_by_label("As it happens")
    ).to_be_checked()
    assert NotificationPreference.objects.get(user=procurement).cadence == "immediate"
    assert page_width(page) <= PHONE["width"]
