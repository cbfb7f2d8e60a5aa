"""A technician on a phone (390 px) reads a device's repair cost to date on its page, opens its
ticket and reads which is cheaper, repairing or replacing it, with the figures; neither page
scrolls sideways and axe-core finds nothing serious."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from fleet.models import District
from repairs.choices import StockMovementKind, TicketStatus
from tests.e2e.helpers import page_width, sign_in
from tests.fleet.factories import DeviceFactory, DeviceModelFactory
from tests.repairs.factories import PartFactory, StockMovementFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_WIDTH = 390


def _fits_and_passes_axe(page: Page) -> None:
    # Measured once the page and any htmx swap have settled (CI once saw 517 px on the ticket
    # page of a loaded SQLite run, not reproduced alone or after other tests).
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    width = page_width(page)
    wide = page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > limit + 1)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}: `
                + el.textContent.trim().slice(0, 60))""",
        PHONE_WIDTH,
    )
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width} px wide; wider than the page: {wide}"
    severe = [
        v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, f"{page.url}: axe found {severe}"


def test_technician_reads_the_cost_and_the_advice_on_a_phone(
    page: Page, technician: User, tmp_path: Path
) -> None:
    District.objects.update_or_create(pk=1, defaults={"labour_rate_per_hour": Decimal("60.00")})
    today = timezone.localdate()
    device = DeviceFactory.create(
        asset_tag="CB-COST-1",
        # Bought two years ago, a year of updates left: worth about a third of its $329.00.
        model=DeviceModelFactory.create(
            name="Acer Chromebook 311", aue_month=today.replace(day=1) + dt.timedelta(days=380)
        ),
        purchase_date=today - dt.timedelta(days=730),
    )
    earlier = TicketFactory.create(device=device, status=TicketStatus.CLOSED, labour_minutes=45)
    StockMovementFactory.create(
        ticket=earlier, kind=StockMovementKind.ISSUED, quantity=-1, unit_cost=Decimal("89.00")
    )
    current = TicketFactory.create(device=device, status=TicketStatus.IN_PROGRESS, assignee=technician)
    StockMovementFactory.create(
        ticket=current,
        part=PartFactory.create(labour_minutes=30),
        kind=StockMovementKind.ISSUED,
        quantity=-1,
        unit_cost=Decimal("64.50"),
    )

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    sign_in(page, technician.username)
    page.goto(reverse("fleet:device_detail", args=[device.pk]))
    # Parts 89.00 + 64.50, labour 45 minutes at 60.00 an hour.
    expect(page.locator("#device-repair-cost")).to_contain_text("Repair cost to date: $198.50")
    _fits_and_passes_axe(page)
    page.locator("#device-repair-cost").screenshot(path=tmp_path / "device-cost.png")

    page.get_by_role("link", name=f"#{current.pk}", exact=True).click()
    advice = page.locator("#ticket-advice")
    # This repair 64.50 + 30 fitting minutes (30.00); before it 89.00 + 45.00.
    expect(advice).to_contain_text(
        "Replacing is cheaper: this repair ($94.50) plus $134.00 on its other repairs comes to $228.50, "
        "more than the $"
    )
    expect(page.locator("#ticket-costs")).to_contain_text("$60.00 an hour")
    _fits_and_passes_axe(page)
    page.locator("#ticket-flags").screenshot(path=tmp_path / "ticket-advice.png")
