"""Every page each role can reach, in Chromium at 1280 and 390 px wide.

For every demo login of the tiny demo district: every link of its menu (main menu and account
menu) and, one click further, one page per kind linked from those pages (a device, a ticket, a
part, a purchase order, a forecast...), each at a desktop and a phone width. Each page must
answer 200, must not scroll sideways, and axe-core must find no serious or critical violation.
"""

from __future__ import annotations

import io
import logging
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import Page

from demo.services.district import DEMO_PASSWORD
from tests.e2e.helpers import page_width, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (1280, 390)
ROLES = ["tech.intern", "tech.itss1", "tech.itss3", "supervisor", "procurement", "schooladmin", "admin"]
# Links followed one click past the menu: not downloads, not the API's JSON, not sign-out.
SKIP_PARTS = ("/api/", "export", ".csv", "download", "logout", "/admin/")
MAX_LINKED_PAGES = 40
SEVERE = {"serious", "critical"}

_axe = Axe()
log = logging.getLogger(__name__)


def menu_links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[data-nav-link]", "links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(hrefs))


def linked_pages(page: Page, seen_views: set[str]) -> list[str]:
    """One page per view linked from the main content of the current page."""
    hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        if not href.startswith("/") or href.startswith("//") or any(part in href for part in SKIP_PARTS):
            continue
        path = urlsplit(href).path
        try:
            view = resolve(path).view_name
        except Resolver404:
            continue
        if view in seen_views:
            continue
        seen_views.add(view)
        found.append(href)
    return found


def check_page(page: Page, href: str, problems: list[str]) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(href)
        status = response.status if response else None
        if status != 200:
            problems.append(f"{href} @{width}: answered {status}")
            return
        scroll_width = page_width(page)
        if scroll_width > width:
            problems.append(f"{href} @{width}: page is {scroll_width} px wide (scrolls sideways)")
        # Swagger UI (the API docs) is a vendored app like Django's admin: its own markup is not
        # ours to fix, so axe checks the page around it (our bar and landmarks), not inside it.
        swagger = page.locator("#swagger-ui").count() > 0
        results = _axe.run(page, context={"exclude": [["#swagger-ui"]]}) if swagger else _axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in SEVERE:
                targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
                problems.append(
                    f"{href} @{width}: axe {violation['impact']} {violation['id']}: "
                    f"{violation['help']} ({len(violation['nodes'])} nodes, e.g. {targets})"
                )


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_the_role_opens_fits_a_phone_and_passes_axe(page: Page, username: str):
    call_command("seed_demo", size="tiny", seed=1, stdout=io.StringIO())
    sign_in(page, username, DEMO_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    menu = menu_links(page)
    assert len(menu) >= 3, f"{username} sees only {menu}"

    problems: list[str] = []
    seen_views = {resolve(urlsplit(href).path).view_name for href in menu if not href.startswith("/admin/")}
    linked: list[str] = []
    for href in menu:
        if href.startswith("/admin/"):
            # Django's own admin: it must open for whoever the menu offers it to; its pages are
            # Django's, not ours, and are not held to the phone and axe rules.
            response = page.goto(href)
            if not response or response.status != 200:
                problems.append(f"{href}: answered {response.status if response else None}")
            continue
        check_page(page, href, problems)
        if len(linked) < MAX_LINKED_PAGES:
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(href)
            linked += linked_pages(page, seen_views)
    for href in linked[:MAX_LINKED_PAGES]:
        check_page(page, href, problems)

    pages = [href for href in menu if not href.startswith("/admin/")] + linked[:MAX_LINKED_PAGES]
    log.info("%s: %d pages at %d widths, %d menu links", username, len(pages), len(WIDTHS), len(menu))
    assert not problems, f"{username}: {len(problems)} problems:\n" + "\n".join(problems)
