"""Procurement on a phone: pages and sorts the forecast, reads a part's chart, orders what it
suggests, sends the order and receives part of it, without the page ever scrolling sideways."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from forecasting.choices import ForecastTrigger
from forecasting.models import ForecastRun, ReorderSuggestion
from forecasting.services import runs
from repairs.models import PurchaseOrder
from tests.e2e.helpers import page_width, sign_in
from tests.e2e.test_forecast_journey import _screen_with_a_year_of_use, go_to
from tests.repairs.factories import PartFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def _fits_the_screen(page: Page) -> None:
    """Nothing scrolls sideways: wide tables scroll inside their own box (once the styles apply)."""
    page.wait_for_load_state()
    width = page_width(page)
    if width > PHONE["width"]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 5)
                .map((e) => `${e.tagName}.${e.className}: ${(e.textContent || "").trim().slice(0, 40)}`)"""
        )
        pytest.fail(f"{page.url} is {width} px wide: {wide}")


def test_procurement_pages_forecast_reads_chart_orders_sends_and_receives_in_part_on_a_phone(
    page: Page, procurement: User, technician: User, monkeypatch: pytest.MonkeyPatch
):
    screen = _screen_with_a_year_of_use(technician)
    # 30 parts nobody used yet, so the forecast table has two pages of 25.
    PartFactory.create_batch(30)
    # The job runs at once instead of on a worker.
    monkeypatch.setattr(
        "forecasting.services.runs._enqueue", lambda run_id: runs.forecast_run_execute(run_id=run_id)
    )
    runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)
    run = ForecastRun.objects.get()
    assert run.status == "succeeded" and run.parts_done == 31
    suggestion = ReorderSuggestion.objects.get(run=run, part=screen)
    assert suggestion.suggested_quantity >= 2  # enough to receive only part of it

    page.set_viewport_size(PHONE)
    sign_in(page, "procurement")

    # The forecast, from the menu: 25 parts a page, the costliest first.
    go_to(page, "Forecast")
    expect(page.get_by_role("heading", name="Parts forecast")).to_be_visible()
    table = page.locator("#forecast-table")
    expect(table.locator("tbody tr")).to_have_count(25)
    expect(table.locator("th[aria-sort]")).to_have_text(re.compile("Expected spend"))
    expect(table.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tbody tr").first).to_contain_text("5D10M42862")
    expect(table.locator("tbody tr").first).to_contain_text("11.6in HD panel (300e Gen 2)")
    _fits_the_screen(page)

    pager = page.get_by_role("navigation", name="Pages", exact=True)
    pager.get_by_role("link", name="Next").click()
    expect(pager).to_contain_text("Page 2 of 2")
    expect(table.locator("tbody tr")).to_have_count(6)
    _fits_the_screen(page)

    # Sort by expected demand: largest first, back on page 1, the heading says so.
    table.get_by_role("link", name="Expected demand").click()
    expect(page).to_have_url(re.compile(r"sort=-point"))
    expect(table.locator('th[aria-sort="descending"]')).to_have_text(re.compile("Expected demand"))
    expect(pager).to_contain_text("Page 1 of 2")
    row = table.locator("tbody tr").first
    expect(row).to_contain_text("5D10M42862")
    _fits_the_screen(page)

    # The part's chart: the phone drawing, its key, its numbers.
    row.get_by_role("link", name="5D10M42862").click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("forecasting:part_forecast", args=[screen.pk])) + "$")
    )
    page.wait_for_load_state()  # the phone drawing is the only one shown once the styles apply
    chart = page.get_by_role("img", name=re.compile("Weekly demand for 5D10M42862"))
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("viewBox", "0 0 400 320")
    legend = page.get_by_role("list", name="Chart key")
    expect(legend).to_be_visible()
    for label in ("Used each week", "Expected demand (mean)", "Median forecast", "10-90% range"):
        expect(legend).to_contain_text(label)
    page.get_by_text("The chart's numbers, week by week").click()
    expect(page.locator("#chart-numbers")).to_be_visible()
    _fits_the_screen(page)

    # Suggested orders: one primary action creates the draft.
    go_to(page, "Suggested orders")
    group = page.locator("section.vendor-group", has_text="Lenovo Parts Direct")
    expect(group.get_by_role("checkbox")).to_be_checked()
    _fits_the_screen(page)
    page.get_by_role("button", name="Create all ticked purchase orders").click()

    order = PurchaseOrder.objects.get()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("repairs:purchase_order_detail", args=[order.pk])) + "$")
    )
    expect(page.locator("#messages")).to_contain_text(f"Created 1 draft purchase order: {order.number}")
    _fits_the_screen(page)

    # Send it, then receive all but one unit.
    page.get_by_role("button", name=re.compile("sent|send", re.I)).click()
    expect(page.locator("#messages")).to_contain_text(re.compile("sent", re.I))
    line = order.lines.get()
    receive = page.locator("#receive-form")
    quantity = receive.get_by_label(re.compile(r"(receive|received).*5D10M42862|5D10M42862.*received", re.I))
    if quantity.count() != 1:  # the labels are another page's; the field name is the form's contract
        quantity = receive.locator(f'input[name="quantity_{line.pk}"]')
    quantity.fill(str(line.quantity_ordered - 1))
    _fits_the_screen(page)
    receive.get_by_role("button", name=re.compile("Receive")).click()

    expect(page.locator("#messages .alert-success")).to_contain_text(
        re.compile(rf"Received {line.quantity_ordered - 1} unit")
    )
    expect(page.get_by_text("Partially received").first).to_be_visible()
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == "partially_received"
    assert line.quantity_received == line.quantity_ordered - 1
    _fits_the_screen(page)
