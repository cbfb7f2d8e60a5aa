"""Steps several journeys share."""

import re

from django.urls import reverse
from playwright.sync_api import Page
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
    link.click()


def sign_out(page: Page) -> None:
    """Sign out from the account menu.

    The menu is opened again if its button did not show: on a phone the main menu unfolds with
    a transition, and a click that lands while it moves can miss the account toggle (CI saw the
    sign-out button never appear once, on SQLite, after a receipt page).
    """
    open_menu(page)
    button = page.get_by_role("button", name="Sign out")
    for _ in range(3):
        page.locator("#account-menu").click()
        try:
            button.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    button.click()
