"""A technician on a phone (390 x 844): scan a device, open a ticket, fit a part and take the
ticket to closed in as few taps and fields as the workflow allows, the page never scrolling
sideways; a refusal shows beside the field at fault; the work order's barcode scans."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from fleet.models import Device
from repairs.choices import PartCategory, TicketStatus
from repairs.models import Part, StockLevel, StockLocation, StockMovement, Ticket
from repairs.services import stock
from tests.e2e.helpers import page_width, sign_in
from tests.fleet.factories import DeviceFactory
from tests.repairs.factories import PartFactory, StockLocationFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}

# The issue's budget: scan -> open ticket -> issue part -> repaired -> returned -> closed in at
# most 10 interactions on a phone (each click, field filled or Enter counts one):
#   scan: type the tag, Enter                                         2
#   open a ticket: the device page's button, what is wrong, open       3  (started at once)
#   issue the part (fitting part and its stock preselected)           1
#   repaired: labour minutes, resolution summary, Mark repaired       3
#   returned and closed                                               1
MOST_INTERACTIONS = 10


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized page on the live server. Like the ``page`` fixture it fails on any console
    or page error, except Chromium's line for the 409 a refused stock issue answers with."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    context.route(lambda url: not url.startswith(live_server.url), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 409" not in message.text:
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error.message}"))
    yield page
    context.close()
    assert not errors, "browser reported errors:\n" + "\n".join(errors)


class Steps:
    """Does what the technician does, counting each click, field filled and Enter pressed, and
    checks after each that the page does not scroll sideways."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def _after(self) -> None:
        self.count += 1
        self.page.wait_for_load_state()
        self.assert_no_sideways_scroll()

    def assert_no_sideways_scroll(self) -> None:
        width = page_width(self.page)
        assert width <= PHONE["width"], f"{self.page.url} scrolls sideways: {width} px wide"

    def click(self, target: Locator) -> None:
        target.click()
        self._after()

    def fill(self, target: Locator, text: str) -> None:
        target.fill(text)
        self._after()

    def enter(self, target: Locator) -> None:
        target.press("Enter")
        self._after()


def _stocked_device(technician: User, *, on_hand: int = 3) -> tuple[Device, Part, StockLocation]:
    device = DeviceFactory.create(asset_tag="CB-0420001")
    screen = PartFactory.create(category=PartCategory.LCD_PANEL, description="11.6in HD panel")
    screen.compatible_models.add(device.model)
    depot = StockLocationFactory.create(name="Central depot")
    stock.stock_receive(
        part=screen, stock_location=depot, quantity=on_hand, actor=technician, unit_cost=Decimal("48")
    )
    return device, screen, depot


def _status(page: Page, label: str) -> None:
    expect(page.locator("h1 .status")).to_have_text(label)


def test_technician_takes_a_device_from_scan_to_closed_ticket_on_a_phone(phone: Page, technician: User):
    page = phone
    device, screen, depot = _stocked_device(technician)
    sign_in(page, "technician")
    steps = Steps(page)

    # Scan: the scanner types the tag and ends with Enter; the exact match opens the device.
    steps.fill(page.locator("#scan-box"), "CB-0420001")
    steps.enter(page.locator("#scan-box"))
    expect(page).to_have_url(re.compile(re.escape(reverse("fleet:device_detail", args=[device.pk])) + "$"))

    # The device page leads with opening a ticket; the form has the tag and sensible defaults.
    open_ticket = page.get_by_role("link", name="Open a ticket")
    box = open_ticket.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], "Open a ticket is below the fold"
    steps.click(open_ticket)
    expect(page.locator("#open-form [name=code]")).to_have_value("CB-0420001")
    expect(page.locator("#open-form [name=symptom]")).to_be_focused()
    steps.fill(page.get_by_label("What is wrong"), "Cracked LCD, dropped in the hallway")
    # "I have the device: start the repair now" is ticked for a technician: no separate start.
    expect(page.get_by_label("I have the device: start the repair now")).to_be_checked()
    steps.click(page.get_by_role("button", name="Open the ticket"))
    _status(page, "In progress")
    ticket = Ticket.objects.get(device=device)
    expect(page.locator("#messages")).to_contain_text(f"Ticket #{ticket.pk} opened")

    # The fitting screen and the depot holding it are chosen already.
    issue = page.locator("#part-issue")
    expect(issue.locator("[name=part] option:checked")).to_contain_text("3 on hand")
    steps.click(issue.get_by_role("button", name="Issue from stock"))
    expect(page.locator("#ticket-parts")).to_contain_text("11.6in HD panel")
    expect(page.locator("#messages")).to_contain_text("Issued 1 x")

    # Each next move is the primary button, within the first screen; labour and resolution are
    # asked only when closing, and handing the device back closes the ticket.
    repaired = page.get_by_role("button", name="Mark repaired")
    box = repaired.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    expect(page.get_by_label("Labour minutes")).to_have_count(0)
    steps.click(repaired)
    _status(page, "Repaired")
    steps.fill(page.get_by_label("Labour minutes"), "20")
    steps.fill(page.get_by_label("Resolution summary"), "Replaced the LCD panel; tested display and hinge")
    close = page.get_by_role("button", name="Returned and closed")
    box = close.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    steps.click(close)
    _status(page, "Closed")
    expect(page.locator("#messages")).to_contain_text(
        f"Ticket #{ticket.pk} is returned to its user and closed."
    )

    assert steps.count <= MOST_INTERACTIONS, f"{steps.count} interactions"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.labour_minutes) == (TicketStatus.CLOSED, 20)
    assert StockLevel.objects.get(part=screen, stock_location=depot).on_hand == 2
    # A closed ticket offers no work, only the timeline and a folded reopen.
    expect(page.locator("#part-issue")).to_have_count(0)
    expect(page.get_by_text("Reopen this ticket")).to_be_visible()


def test_issuing_more_than_on_hand_says_so_beside_the_quantity(phone: Page, technician: User):
    page = phone
    device, screen, depot = _stocked_device(technician, on_hand=2)
    ticket = TicketFactory.create(device=device, reporter=technician, status=TicketStatus.IN_PROGRESS)
    sign_in(page, "technician")
    page.goto(reverse("repairs:ticket_detail", args=[ticket.pk]))

    page.get_by_label("Quantity").fill("5")
    with page.expect_response(lambda response: response.status == 409):
        page.get_by_role("button", name="Issue from stock").click()

    error = page.locator("#id_quantity-error")
    expect(error).to_have_text(f"Not enough {screen.part_number} at Central depot: 2 on hand.")
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_label("Quantity")).to_have_value("5")
    # app.js puts the focus on the field at fault, which scrolls it into view; the message is under it.
    expect(page.get_by_label("Quantity")).to_be_focused()
    gap = page.evaluate(
        "document.getElementById('id_quantity-error').getBoundingClientRect().top"
        " - document.getElementById('id_quantity').getBoundingClientRect().bottom"
    )
    assert 0 <= gap < 24, f"the message is {gap} px below the quantity"
    expect(error).to_be_in_viewport()
    assert page_width(page) <= PHONE["width"]
    assert not StockMovement.objects.filter(ticket=ticket).exists()
    assert StockLevel.objects.get(part=screen, stock_location=depot).on_hand == 2


def test_work_order_barcode_scans_back_to_the_asset_tag(page: Page, technician: User):
    device, _, _ = _stocked_device(technician)
    ticket = TicketFactory.create(device=device, reporter=technician, status=TicketStatus.TRIAGED)
    sign_in(page, "technician")
    page.goto(reverse("repairs:ticket_detail", args=[ticket.pk]))
    page.get_by_role("link", name="Print work order").click()

    expect(page.locator("#work-order-tag")).to_have_text("CB-0420001")
    barcode = page.locator("#work-order-barcode")
    expect(barcode).to_be_visible()
    png = page.screenshot(full_page=True)

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [(code.text, code.format.name) for code in found] == [("CB-0420001", "Code128")]
