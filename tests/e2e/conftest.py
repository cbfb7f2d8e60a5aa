"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Journeys need ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``: the live
server runs in another thread and only sees committed rows, and serialized rollback restores
the role groups and grades that the flush after each transactional test removes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an event loop in this thread, which Django takes for async code
# and refuses database access from; the test code itself is plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def playwright(django_db_setup: None) -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium) for browser journeys")
    # Django keeps a thread's connections per async context once an event loop runs in the
    # thread, and Playwright's sync API runs one from here on. Hand the test database's own
    # connections over, or the ORM would open second ones that lack its serialized contents
    # (so serialized_rollback would restore nothing) and that nothing closes.
    test_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as p:
        for alias, wrapper in test_connections.items():
            connections[alias] = wrapper
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context on the live server; the test fails on any console or page error.

    Requests leaving the live server are aborted (and so logged as console errors): the app
    must work with no internet, so nothing may come from a CDN.
    """
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)

    def abort_offsite(route: Route) -> None:
        route.abort()

    context.route(lambda url: not url.startswith(live_server.url), abort_offsite)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} at {message.location.get('url', '?')}")

    def on_page_error(error: Error) -> None:
        errors.append(f"page error: {error.message}")

    def on_request_failed(request: Request) -> None:
        # A navigation cancels the old page's loads; that is the browser's doing, not the app's.
        if request.failure != "net::ERR_ABORTED":
            errors.append(f"request failed: {request.url} ({request.failure})")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("requestfailed", on_request_failed)
    yield page
    context.close()
    assert not errors, "browser reported errors:\n" + "\n".join(errors)
