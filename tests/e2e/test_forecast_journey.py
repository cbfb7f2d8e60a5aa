"""Procurement runs the parts forecast, reads a part's chart and orders what it suggests."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from forecasting.models import ForecastRun, ReorderSuggestion
from forecasting.services import runs
from repairs.choices import PartCategory, StockMovementKind
from repairs.models import Part, PurchaseOrder
from tests.e2e.helpers import open_menu, sign_in
from tests.repairs.factories import (
    PartFactory,
    StockLevelFactory,
    StockLocationFactory,
    StockMovementFactory,
    VendorFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def go_to(page: Page, label: str) -> None:
    """Follow a menu entry as a person would: unfold the menu, open the entry's group, click it.

    helpers.go_to does the same but cannot yet find an entry inside a closed dropdown; this one
    looks the link up including hidden ones. It waits for the page first: before its stylesheet
    applies, the folded menu's button looks visible at any width.
    """
    page.wait_for_load_state()
    open_menu(page)
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=label, exact=True, include_hidden=True)
    if not link.is_visible():
        link.locator("xpath=ancestor::li[contains(@class, 'dropdown')]/button").click()
    with page.expect_navigation():  # to the page's load, when htmx has set up its buttons
        link.click()


def _screen_with_a_year_of_use(technician: User) -> Part:
    """A real Lenovo part used about twice a week for 60 weeks at the depot, one left on the shelf."""
    vendor = VendorFactory.create(name="Lenovo Parts Direct")
    screen = PartFactory.create(
        part_number="5D10M42862",
        description="11.6in HD panel (300e Gen 2)",
        category=PartCategory.LCD_PANEL,
        unit_cost=Decimal("48.00"),
        vendor=vendor,
        lead_time_days=14,
        is_demo=False,
    )
    depot = StockLocationFactory.create(name="Central depot")
    StockLevelFactory.create(part=screen, stock_location=depot, on_hand=1, reorder_point=0)
    now = timezone.now()
    for week in range(1, 61):
        used = (1, 2, 3, 2)[week % 4]
        StockMovementFactory.create(
            part=screen,
            stock_location=depot,
            kind=StockMovementKind.ISSUED,
            quantity=-used,
            actor=technician,
            occurred_at=now - dt.timedelta(weeks=week, days=1),
        )
    return screen


def test_procurement_runs_forecast_reads_chart_and_orders_suggestion(
    page: Page, procurement: User, technician: User, monkeypatch: pytest.MonkeyPatch
):
    screen = _screen_with_a_year_of_use(technician)
    # The job runs inside the request instead of on a worker (whatever the Celery settings), so
    # the progress panel comes back finished and stops polling.
    monkeypatch.setattr(
        "forecasting.services.runs._enqueue", lambda run_id: runs.forecast_run_execute(run_id=run_id)
    )
    sign_in(page, "procurement")

    # No forecast yet: run one now.
    go_to(page, "Forecast")
    expect(page.get_by_role("heading", name="Parts forecast")).to_be_visible()
    expect(page.get_by_text("No forecast has run yet.")).to_be_visible()
    page.get_by_role("button", name="Run now").click()
    panel = page.locator("#run-panel")
    expect(panel.locator(".run-status")).to_have_text("Succeeded")
    expect(panel.locator("progress")).to_have_attribute("value", "1")
    run = ForecastRun.objects.get()
    assert (run.status, run.parts_done, run.requested_by) == ("succeeded", 1, procurement)
    panel.get_by_role("link", name="Show the new forecast").click()

    # The table lists the part with its suggested order; open its chart.
    suggestion = ReorderSuggestion.objects.get(run=run, part=screen)
    assert suggestion.suggested_quantity > 0
    row = page.locator("#forecast-table tbody tr", has_text="5D10M42862")
    expect(row).to_contain_text("Lenovo Parts Direct")
    row.get_by_role("link", name="5D10M42862").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("forecasting:part_forecast", args=[screen.pk])) + "$")
    )
    page.wait_for_load_state()  # the wide drawing is the only one shown once the styles apply
    chart = page.get_by_role("img", name=re.compile("Weekly demand for 5D10M42862"))
    expect(chart).to_be_visible()
    assert chart.locator("g.history rect").count() >= 50
    band = chart.locator("polygon.band").get_attribute("points") or ""
    assert len(band.split()) == 2 * 52
    expect(chart.locator("g.today text")).to_have_text("today")
    expect(page.locator("#forecast-reorder")).to_contain_text("Central depot")

    # Order it: one click on the vendor's button lands on the new draft purchase order.
    go_to(page, "Suggested orders")
    group = page.locator("section.vendor-group", has_text="Lenovo Parts Direct")
    expect(group.get_by_role("checkbox")).to_be_checked()
    group.get_by_role("button", name="Create purchase order(s) for Lenovo Parts Direct").click()

    order = PurchaseOrder.objects.get()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("repairs:purchase_order_detail", args=[order.pk])) + "$")
    )
    expect(page.get_by_text(f"Created 1 draft purchase order: {order.number}")).to_be_visible()
    line = page.locator("#order-lines tbody tr", has_text="5D10M42862")
    expect(line.locator("td").nth(1)).to_have_text(str(suggestion.suggested_quantity))  # ordered
    expect(line).to_contain_text("48.00")  # the unit cost
    assert order.ship_to.name == "Central depot"

    # Back on the suggestions, the line shows its order and can no longer be ticked.
    page.goto(reverse("forecasting:suggestion_list"))
    group = page.locator("section.vendor-group", has_text="Lenovo Parts Direct")
    expect(group.get_by_role("link", name=order.number)).to_be_visible()
    expect(group.get_by_role("checkbox")).to_have_count(0)
