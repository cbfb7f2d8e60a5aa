"""The API documentation works on a machine with no internet access."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.e2e.helpers import go_to, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_technician_opens_api_docs_from_navigation_and_sees_operations(page: Page, technician: User):
    sign_in(page, "technician")

    go_to(page, "API")

    # Swagger UI and its schema load from the live server alone: any CDN request would fail.
    expect(page.get_by_role("heading", name=re.compile("FleetDesk API"))).to_be_visible()
    expect(page.get_by_text("/api/me/", exact=True)).to_be_visible()
