"""Charges on a phone (390 x 844): a technician proposes the charge from the repair ticket of a
device a student had; a supervisor finds it under Charges, is told beside the reason that a
changed amount needs one, confirms it, is told beside the amount that a payment cannot pass the
balance, takes a part payment and prints its receipt, then sets a fee on the fee schedule. Every
page fits the phone and axe-core finds nothing serious."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from repairs.choices import DamageCause
from students.choices import ChargeStatus
from students.models import Charge, FeeRule
from tests.e2e.helpers import page_width, sign_in, sign_out
from tests.e2e.test_forecast_journey import go_to  # finds entries inside a closed dropdown
from tests.repairs.factories import TicketFactory
from tests.students.factories import FeeRuleFactory, HandoutFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
SHOTS = os.environ.get("JOURNEY_SCREENSHOTS")  # a folder: save a PNG of each page to look at
_axe = Axe()


def check(page: Page, name: str) -> None:
    """The page fits the phone, axe finds nothing serious, and (when asked) a screenshot."""
    page.wait_for_load_state()
    assert page_width(page) <= PHONE["width"], name
    severe = [
        v["id"] for v in _axe.run(page).response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, f"{name}: axe {severe}"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_charge_proposed_confirmed_part_paid_with_a_receipt_on_a_phone(
    page: Page, technician: User, supervisor: User
) -> None:
    FeeRuleFactory.create(device_model=None, damage_cause=DamageCause.LIQUID, amount=Decimal("90.00"))
    handout = HandoutFactory.create()
    ticket = TicketFactory.create(device=handout.device, damage_cause=DamageCause.LIQUID)
    page.set_viewport_size(PHONE)

    sign_in(page, technician.username)
    page.goto(f"/repairs/tickets/{ticket.pk}/")
    panel = page.locator("#ticket-charge")
    expect(panel).to_contain_text(handout.student.identifier)
    panel.get_by_role("button", name="Propose charge").click()
    expect(panel).to_contain_text("Proposed")
    expect(panel).to_contain_text("$90.00")
    check(page, "ticket-panel")
    charge = Charge.objects.get()
    sign_out(page)

    sign_in(page, supervisor.username)
    go_to(page, "Charges")
    expect(page.get_by_role("heading", name="Charges")).to_be_visible()
    check(page, "charge-list")
    page.get_by_role("link", name=f"#{charge.pk}").click()
    expect(page.locator("#charge-amount")).to_have_text("$90.00")
    check(page, "charge-detail")

    confirm = page.locator("#charge-confirm-form")
    confirm.get_by_label("Amount", exact=True).fill("60.00")
    confirm.get_by_role("button", name="Confirm charge").click()
    expect(page.locator("#confirm_reason_error")).to_have_text(
        "Say why the amount differs from the fee of 90.00."
    )
    check(page, "confirm-refused")
    page.locator("#charge-confirm-form").get_by_label("Reason for a changed amount").fill("Keyboard only")
    page.locator("#charge-confirm-form").get_by_role("button", name="Confirm charge").click()
    expect(page.locator("#charge-balance")).to_have_text("$60.00")

    pay = page.locator("#charge-pay-form")
    pay.get_by_label("Amount received").fill("75.00")
    pay.get_by_role("button", name="Record payment").click()
    expect(page.locator("#pay_amount_error")).to_have_text("That is more than the 60.00 still owed.")
    page.locator("#charge-pay-form").get_by_label("Amount received").fill("25.00")
    page.locator("#charge-pay-form").get_by_label("Paid by").select_option("check")
    page.locator("#charge-pay-form").get_by_role("button", name="Record payment").click()
    expect(page.locator("#charge-balance")).to_have_text("$35.00")
    expect(page.get_by_role("status").filter(has_text="Payment of 25.00 recorded")).to_be_visible()
    charge.refresh_from_db()
    assert (charge.status, charge.amount_paid) == (ChargeStatus.PARTLY_PAID, Decimal("25.00"))

    page.get_by_role("link", name=f"C{charge.pk:06d}-01").click()
    expect(page.locator("#receipt-amount")).to_have_text("$25.00")
    expect(page.locator("#receipt-balance")).to_have_text("$35.00")
    check(page, "receipt")

    page.goto("/students/fees/")
    check(page, "fee-schedule")
    form = page.locator("#rule-form")
    form.get_by_label("Damage cause").select_option("lost")
    form.get_by_label("Fee").fill("1000000")
    form.get_by_role("button", name="Save fee").click()
    expect(page.locator("#fee_amount_error")).to_contain_text(
        "no more than 6 digits before the decimal point"
    )
    page.locator("#rule-form").get_by_label("Fee").fill("310.00")
    page.locator("#rule-form").get_by_role("button", name="Save fee").click()
    expect(page.locator("#fee-rules")).to_contain_text("$310.00")
    assert FeeRule.objects.filter(damage_cause=DamageCause.LOST, device_model=None).get().amount == Decimal(
        "310.00"
    )
