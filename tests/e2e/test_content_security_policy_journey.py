"""No page breaks the Content-Security-Policy: every page each role's menu reaches, and one of each
page linked from them, the login page, the API docs and the admin, in Chromium with the policy
enforced. A violation is caught twice: the ``securitypolicyviolation`` event, reported by an init
script, and the console's "Refused to …" line (which the ``page`` fixture also fails on).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from accounts.choices import Role
from accounts.models import User
from demo.services.district import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TECHNICIANS
from fleet.models import Device
from portal.selectors import navigation_for
from repairs.models import Ticket
from staff.models import OvertimeRequest, OvertimeRule
from tests.accounts.factories import (
    OvertimeRequestEventFactory,
    OvertimeRequestFactory,
    StaffProfileFactory,
    UserFactory,
)
from tests.e2e.helpers import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || document.location.href}:${event.lineNumber} ${event.sample || ""}`
  );
});
"""
# Links a crawl must not follow: downloads, leaving the session, and the admin and API, which are
# visited on purpose below.
SKIPPED_LINK = re.compile(r"\.csv(?:\?|$)|[?&]format=csv|/logout|^/admin/|^/api/")


class ViolationWatch:
    """Collects every CSP violation a context's pages report, with the page it happened on."""

    def __init__(self, context: BrowserContext) -> None:
        self.violations: list[str] = []
        context.expose_binding("reportCspViolation", self._on_event)
        context.add_init_script(REPORT_VIOLATIONS)

    def _on_event(self, source: dict, text: str) -> None:
        self.violations.append(f"event: {text} (page {source['frame'].url})")

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.violations.append(f"console: {message.text}")

    def watch(self, page: Page) -> None:
        page.on("console", self.on_console)


@pytest.fixture
def watch(page: Page) -> ViolationWatch:
    watch = ViolationWatch(page.context)
    watch.watch(page)
    return watch


def visit(page: Page, path: str, who: str = "anonymous") -> list[str]:
    """Open a page as a person would and let its htmx requests finish; return its links (the
    top bar's and the page's own)."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status} to {who}"
    assert "content-security-policy" in response.headers, f"{path} is served without the policy"
    page.wait_for_load_state("networkidle")
    return page.eval_on_selector_all(
        "header a[href], main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )


def view_name(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def crawl(page: Page, username: str, seen_views: set[str]) -> list[str]:
    """Every page in the user's menu, then the first link to each page type not yet seen."""
    sign_in(page, username, DEMO_PASSWORD)
    expect(page.locator("#account-menu")).to_be_visible()
    menu = [item.url for item in navigation_for(user=User.objects.get(username=username))]
    visited: list[str] = []
    linked: dict[str, str] = {}
    for path in menu:
        if path.startswith(("/admin/", "/api/")):
            continue
        visited.append(path)
        seen_views.add(view_name(path) or path)
        for href in visit(page, path, username):
            name = view_name(href) if href.startswith("/") else None
            if name and not SKIPPED_LINK.search(href) and name not in seen_views and name not in linked:
                linked[name] = href
    for name, href in linked.items():
        # A shared sub-menu may show a link its page then refuses (403) to this role: that page
        # is left for a role it opens for.
        if page.request.get(href, max_redirects=0).status == 403:
            continue
        seen_views.add(name)
        visited.append(href)
        visit(page, href, username)
    if "/api/docs/" in menu and "api:docs" not in seen_views:
        seen_views.add("api:docs")
        visit(page, "/api/docs/", username)
        # Swagger UI is built by its scripts: a refused script would leave the page empty.
        expect(page.get_by_role("heading", name=re.compile("FleetDesk API"))).to_be_visible()
        expect(page.get_by_text("/api/me/", exact=True)).to_be_visible()
        visited.append("/api/docs/")
    page.goto(reverse("portal:home"))
    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    return visited


def test_no_page_of_any_role_logs_a_csp_violation(page: Page, watch: ViolationWatch):
    call_command("seed_demo", size="tiny", seed=1, stdout=io.StringIO())
    seen_views: set[str] = set()

    visit(page, reverse("accounts:login"))
    visited = {"anonymous": [reverse("accounts:login")]}
    for username in [*DEMO_TECHNICIANS.values(), *DEMO_LOGINS.values()]:
        visited[username] = crawl(page, username, seen_views)

    # The crawl reached the pages that had inline code before the policy (My week's style, the
    # approval queue's hx-on, the scan forms' onsubmit and js: values) and the detail pages.
    every_view = {view_name(path) for paths in visited.values() for path in paths}
    assert {
        "staff:time_entry_week",
        "staff:overtime_queue",
        "fleet:scan_vehicle",
        "fleet:device_detail",
        "repairs:ticket_detail",
        "repairs:part_detail",
        "forecasting:forecast_list",
        "api:docs",
    } <= every_view, every_view
    assert not watch.violations, "CSP violations:\n" + "\n".join(watch.violations)


def test_admin_pages_log_no_csp_violation(page: Page, watch: ViolationWatch):
    call_command("seed_demo", size="tiny", seed=1, stdout=io.StringIO())
    device, ticket, user = Device.objects.first(), Ticket.objects.first(), User.objects.first()
    assert device and ticket and user
    sign_in(page, DEMO_LOGINS[Role.ADMIN], DEMO_PASSWORD)
    expect(page.locator("#account-menu")).to_be_visible()

    for path in [
        reverse("admin:index"),
        reverse("admin:fleet_device_changelist"),
        reverse("admin:fleet_device_change", args=[device.pk]),
        reverse("admin:fleet_device_add"),
        reverse("admin:repairs_ticket_changelist"),
        reverse("admin:repairs_ticket_change", args=[ticket.pk]),
        reverse("admin:accounts_user_change", args=[user.pk]),
    ]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        page.wait_for_load_state("networkidle")

    # The admin's scripts ran: the changelist's select-all box ticks every row.
    page.goto(reverse("admin:fleet_device_changelist"))
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    assert not watch.violations, "CSP violations:\n" + "\n".join(watch.violations)


@pytest.fixture
def bare_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A context without the ``page`` fixture's console check: this one expects a violation."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_watch_catches_inline_style_and_script_refused_by_the_served_policy(bare_context: BrowserContext):
    """The detector is live: the login page as served, plus an inline style and script, is refused."""
    watch = ViolationWatch(bare_context)
    page = bare_context.new_page()
    watch.watch(page)

    def add_inline_code(route: Route) -> None:
        served = route.fetch()
        html = served.text().replace(
            "</main>", '<p id="probe" style="color: red">x</p><script>document.title = "ran"</script></main>'
        )
        route.fulfill(response=served, body=html)

    page.route("**/accounts/login/", add_inline_code)
    page.goto(reverse("accounts:login"))
    page.wait_for_load_state("networkidle")

    assert page.title() != "ran"
    assert any("script-src" in v for v in watch.violations), watch.violations
    assert any("style-src" in v for v in watch.violations), watch.violations


def test_stale_overtime_decision_swaps_the_row_with_its_message(
    bare_context: BrowserContext, supervisor: User
):
    """The approval queue's 409 swap, once an inline hx-on handler, now comes from app.js.

    The ``page`` fixture would fail on Chromium's console line for the expected 409; any other
    console error or violation still fails here.
    """
    watch = ViolationWatch(bare_context)
    page = bare_context.new_page()
    watch.watch(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(error.message))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "status of 409" not in message.text
            else None
        ),
    )
    ivy = UserFactory.create(username="ivy", first_name="Ivy", last_name="Itss", roles=[Role.TECHNICIAN])
    StaffProfileFactory.create(user=ivy, grade_number=20, supervisor=supervisor)
    made = OvertimeRequestFactory.create(
        requester=ivy,
        rule=OvertimeRule.objects.get(effective_from=dt.date(2020, 7, 1), grade_min=18),
        work_date=timezone.localdate() + dt.timedelta(days=2),
    )
    OvertimeRequestEventFactory.create(request=made)
    sign_in(page, "supervisor")
    page.goto(reverse("staff:overtime_queue"))
    row = page.locator(f"#overtime-row-{made.pk}")
    expect(row).to_contain_text("Ivy Itss")

    # Someone else changed the request after the page was opened.
    OvertimeRequest.objects.filter(pk=made.pk).update(version=made.version + 1)
    with page.expect_response(lambda response: response.status == 409):
        row.get_by_role("button", name="Approve").click()

    expect(row.get_by_role("alert")).to_contain_text("changed since you opened it")
    made.refresh_from_db()
    assert made.decided_by is None
    assert not errors and not watch.violations, errors + watch.violations
