"""Steps several journeys share."""

from django.urls import reverse
from playwright.sync_api import Page

from tests.accounts.factories import DEFAULT_PASSWORD


def sign_in(page: Page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Fill in and submit the login form as a person would."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
