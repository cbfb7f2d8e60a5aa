"""Every demo login printed by seed_demo reaches its own home page in Chromium."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from demo.services.district import DEMO_PASSWORD
from tests.e2e.helpers import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOME_BLOCK = {
    "tech.intern": ("home-technician", "ITSS Intern"),
    "tech.itss1": ("home-technician", "IT Systems Specialist I"),
    "tech.itss2": ("home-technician", "IT Systems Specialist II"),
    "tech.itss3": ("home-technician", "IT Systems Specialist III"),
    "supervisor": ("home-supervisor", "people on your team"),
    "procurement": ("home-procurement", "purchase orders open"),
    "schooladmin": ("home-school_admin", "devices"),
    "admin": ("home-admin", "devices"),
}


def test_each_demo_login_signs_in_and_sees_its_role_home(page: Page):
    output = io.StringIO()
    call_command("seed_demo", size="tiny", seed=1, stdout=output)
    printed = output.getvalue()

    for username, (block_id, text) in HOME_BLOCK.items():
        assert f"  {username} " in printed, f"{username} is not among the printed demo logins"
        sign_in(page, username, DEMO_PASSWORD)
        expect(page.locator(f"#{block_id}")).to_be_visible()
        expect(page.locator(f"#{block_id}")).to_contain_text(text)
        sign_out(page)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
