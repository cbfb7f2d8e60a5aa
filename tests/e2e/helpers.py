"""Steps several journeys share."""

import re

from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.accounts.factories import DEFAULT_PASSWORD


def sign_in(page: Page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Fill in and submit the login form as a person would."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_menu(page: Page) -> None:
    """Open the main menu when it is folded behind its button (a phone's width)."""
    # Wait for the page that has the menu, styled: before its stylesheet applies the folded
    # menu's button shows at any width.
    page.locator("#account-menu").wait_for(state="attached")
    page.wait_for_load_state("load")
    toggler = page.get_by_role("navigation", name="Main").locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()


def go_to(page: Page, label: str) -> None:
    """Follow a menu entry as a person would: unfold the menu, open its group, click it."""
    open_menu(page)
    nav = page.get_by_role("navigation", name="Main")
    # By text, not by role: a role query skips the links of a closed dropdown.
    link = nav.locator("a[data-nav-link]").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    if not link.is_visible():
        nav.locator("li.dropdown", has=link).locator(":scope > button").click()
    # To the new page's load, when htmx has taken over its forms and buttons: a click before that
    # submits a plain form instead (CI once saw "Run now" post without htmx).
    with page.expect_navigation():
        link.click()


def open_account_menu(page: Page, entry: Locator) -> None:
    """Open the account menu until ``entry`` (one of its items) shows.

    The toggle is clicked again if the entry did not show: on a phone the main menu unfolds
    with a transition, and a click that lands while it moves can miss the account toggle (CI saw
    the sign-out button never appear once, on SQLite, after a receipt page, and the Reminders
    link once).
    """
    open_menu(page)
    for _ in range(3):
        page.locator("#account-menu").click()
        try:
            entry.wait_for(state="visible", timeout=3000)
            return
        except PlaywrightTimeoutError:
            continue


def sign_out(page: Page) -> None:
    """Sign out from the account menu."""
    button = page.get_by_role("button", name="Sign out")
    open_account_menu(page, button)
    button.click()


def page_width(page: Page) -> int:
    """How wide the page's content is, in CSS pixels: more than the viewport scrolls sideways.

    Measured on the page that is loaded once any navigation a click started has finished. A
    click on a submit button returns before the browser leaves the page, so a measurement
    taken then can land while the old page is torn down (CI saw "Execution context was
    destroyed" once, after "Issue from stock"); it is taken again on the new page.
    """
    for _ in range(5):
        page.wait_for_load_state()
        try:
            return int(page.evaluate("document.documentElement.scrollWidth"))
        except PlaywrightError as error:
            if "Execution context was destroyed" not in error.message:
                raise
    page.wait_for_load_state()
    return int(page.evaluate("document.documentElement.scrollWidth"))
