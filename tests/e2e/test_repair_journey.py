"""A technician scans a device, opens a ticket, fits a screen from stock and closes the ticket."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from repairs.choices import PartCategory, TicketStatus
from repairs.models import StockLevel, Ticket
from repairs.services import stock
from tests.e2e.helpers import sign_in
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import PartFactory, StockLocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _move(page: Page, button: str, to: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("h1 .status")).to_have_text(to)


def test_technician_scans_opens_ticket_issues_screen_and_closes_it(page: Page, technician: User):
    device = DeviceFactory.create(asset_tag="CB-0311209")
    screen = PartFactory.create(category=PartCategory.LCD_PANEL, description="11.6in HD panel")
    screen.compatible_models.add(device.model)
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(
        part=screen, stock_location=depot, quantity=3, actor=technician, unit_cost=Decimal("48")
    )
    sign_in(page, "technician")

    # Scan the asset tag: the device page opens; open a ticket from it.
    page.locator("#scan-box").press_sequentially("CB-0311209", delay=5)
    page.locator("#scan-box").press("Enter")
    expect(page).to_have_url(re.compile(re.escape(reverse("fleet:device_detail", args=[device.pk])) + "$"))
    page.get_by_role("link", name="Open a ticket").click()
    form = page.locator("#open-form")
    expect(form.locator("[name=code]")).to_have_value("CB-0311209")
    form.locator("[name=symptom]").select_option(label="Screen")
    form.locator("[name=damage_cause]").select_option(label="Accidental")
    form.locator("[name=problem_summary]").fill("Cracked LCD, dropped in the hallway")
    # The device is not on the bench yet: the ticket waits in triage instead of starting now.
    form.get_by_label("I have the device: start the repair now").uncheck()
    form.get_by_role("button", name="Open the ticket").click()

    expect(page.locator("h1 .status")).to_have_text("Triaged")
    ticket = Ticket.objects.get(device=device)
    expect(page).to_have_url(re.compile(re.escape(reverse("repairs:ticket_detail", args=[ticket.pk])) + "$"))

    # Fit the screen from the depot's stock.
    issue = page.locator("#part-issue")
    expect(issue.locator("[name=part]")).to_contain_text("3 on hand")
    issue.locator("[name=stock_location]").select_option(label="Central depot")
    issue.get_by_role("button", name="Issue from stock").click()
    expect(page.locator("#ticket-parts")).to_contain_text("11.6in HD panel")

    # Work it through to closed; closing needs the labour and the resolution.
    _move(page, "Start the repair", "In progress")
    _move(page, "Mark repaired", "Repaired")
    _move(page, "Returned to its user", "Returned")
    page.get_by_label("Labour minutes").fill("20")
    page.get_by_label("Resolution summary").fill("Replaced the LCD panel; tested display and hinge")
    _move(page, "Close the ticket", "Closed")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.labour_minutes) == (TicketStatus.CLOSED, 20)
    assert StockLevel.objects.get(part=screen, stock_location=depot).on_hand == 2

    # The part's page shows the stock one lower.
    page.goto(reverse("repairs:part_detail", args=[screen.pk]))
    expect(page.get_by_role("row", name=re.compile(r"^Central depot 2( |$)"))).to_be_visible()
