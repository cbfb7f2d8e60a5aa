"""Issue 13's journey at a tablet (820 x 1180): a technician hands three Chromebooks with
chargers to three students, each signing on the screen, and collects one back damaged; the
charge is proposed from the fee schedule and shows on the repair ticket; a supervisor confirms
it and takes a part payment with a receipt; the student who still owes is then refused another
device by the hold, the refusal shown beside the student ID. Every screen fits the tablet and
axe-core finds nothing serious."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from fleet.choices import DeviceStatus
from repairs.choices import DamageCause
from repairs.models import Ticket
from students.choices import AccessoryKind, ChargeStatus
from students.models import AccessoryStock, Charge, Handout, Payment
from tests.e2e.helpers import page_width, sign_in, sign_out
from tests.e2e.test_forecast_journey import go_to  # finds entries inside a closed dropdown
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.students.factories import AgreementFactory, FeeRuleFactory, StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLET: ViewportSize = {"width": 820, "height": 1180}
SHOTS = os.environ.get("JOURNEY_SCREENSHOTS")  # a folder: save a PNG of each screen to look at
_axe = Axe()


def check(page: Page, name: str) -> None:
    """The screen fits the tablet, axe finds nothing serious, and (when asked) a screenshot."""
    page.wait_for_load_state()
    assert page_width(page) <= TABLET["width"], name
    severe = [
        v["id"] for v in _axe.run(page).response["violations"] if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, f"{name}: axe {severe}"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_on_the_pad(page: Page) -> None:
    """Draw a signature on the pad with the mouse, as a finger would."""
    pad = page.locator("[data-signature-canvas]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + step * 12, y + (18 if step % 2 else -18), steps=3)
    page.mouse.up()
    expect(page.locator("[data-signature-state]")).to_have_text("Signed. Clear to sign again.")


def hand_out(page: Page, student_id: str, tag: str, signer: str) -> None:
    """Scan the student, then the device; one charger is offered; sign; hand out."""
    student_box = page.get_by_label("Student ID", exact=True)
    expect(student_box).to_be_focused()
    student_box.press_sequentially(student_id, delay=5)
    student_box.press("Enter")
    device_box = page.get_by_label("Device: asset tag or serial")
    expect(device_box).to_be_focused()
    device_box.press_sequentially(tag.lower(), delay=5)
    device_box.press("Enter")
    expect(page.get_by_label("Chargers")).to_have_value("1")
    sign_on_the_pad(page)
    page.get_by_label(signer, exact=True).check()
    page.get_by_role("button", name="Hand out", exact=True).click()
    expect(page.locator("[data-handout-done]")).to_contain_text(
        f"{tag} handed out to student {student_id} with 1 charger"
    )


def test_three_hand_outs_one_back_damaged_charged_part_paid_and_the_hold_refuses_a_re_issue(
    page: Page, technician: User, supervisor: User
) -> None:
    school = LocationFactory.create(name="Oak Middle School")
    AccessoryStock.objects.create(location=school, kind=AccessoryKind.CHARGER, on_hand=10)
    AgreementFactory.create(title="Student device agreement 2027", version=3, created_by=technician)
    FeeRuleFactory.create(damage_cause=DamageCause.ACCIDENTAL, device_model=None, amount=Decimal("35.00"))
    students = ("S1000101", "S1000102", "S1000103")
    for identifier in students:
        StudentFactory.create(identifier=identifier, school=school)
    for tag in ("CB-500101", "CB-500102", "CB-500103", "CB-500104"):
        DeviceFactory.create(asset_tag=tag, location=school, status=DeviceStatus.IN_STOCK)
    page.set_viewport_size(TABLET)

    # Three hand-outs, each with a charger and a drawn signature.
    sign_in(page, technician.username)
    go_to(page, "Hand out")
    check(page, "01-hand-out")
    for identifier, tag, signer in zip(
        students,
        ("CB-500101", "CB-500102", "CB-500103"),
        ("Student", "Parent or guardian", "Student"),
        strict=True,
    ):
        hand_out(page, identifier, tag, signer)
    handouts = Handout.objects.filter(collected_at__isnull=True)
    assert handouts.count() == 3
    assert all(bytes(h.signature_png or b"").startswith(b"\x89PNG") for h in handouts)
    assert AccessoryStock.objects.get(location=school).on_hand == 7

    # One comes back damaged: the charge is proposed from the fee schedule.
    go_to(page, "Collect")
    code = page.get_by_label("Scan the device, or type the student's ID")
    code.press_sequentially("CB-500101", delay=5)
    code.press("Enter")
    page.get_by_label("Device condition").select_option("damaged")
    page.get_by_label("Cause of damage or loss").select_option("accidental")
    page.get_by_label("What is damaged").select_option("screen")
    page.get_by_label("Notes").fill("Cracked screen, dropped on the bus")
    page.get_by_role("button", name="Record the return").click()
    done = page.locator("[data-collect-done]")
    expect(done).to_contain_text("CB-500101 collected from student S1000101: damaged.")
    expect(done).to_contain_text("Charge of $35.00 proposed")
    check(page, "02-collected-damaged")

    # The repair ticket shows the proposed charge to the student who had the device.
    done.get_by_role("link", name=f"Repair ticket #{Ticket.objects.get().pk}").click()
    panel = page.locator("#ticket-charge")
    expect(panel).to_contain_text("S1000101")
    expect(panel).to_contain_text("Proposed")
    expect(panel).to_contain_text("$35.00")
    check(page, "03-ticket-charge")
    sign_out(page)

    # A supervisor confirms it and records a part payment, with its receipt.
    sign_in(page, supervisor.username)
    go_to(page, "Charges")
    charge = Charge.objects.get()
    page.get_by_role("link", name=f"#{charge.pk}", exact=True).click()
    page.locator("#charge-confirm-form").get_by_role("button", name="Confirm charge").click()
    expect(page.locator("#charge-balance")).to_have_text("$35.00")
    pay = page.locator("#charge-pay-form")
    pay.get_by_label("Amount received").fill("10.00")
    pay.get_by_label("Paid by").select_option("cash")
    pay.get_by_role("button", name="Record payment").click()
    expect(page.locator("#charge-balance")).to_have_text("$25.00")
    expect(page.locator("#charge-paid")).to_have_text("$10.00")
    check(page, "04-part-paid")
    receipt = Payment.objects.get().receipt_number
    page.get_by_role("link", name=receipt).click()
    expect(page.locator("#receipt-balance")).to_have_text("$25.00")
    check(page, "05-receipt")
    charge.refresh_from_db()
    assert (charge.status, charge.amount_paid, charge.balance) == (
        ChargeStatus.PARTLY_PAID,
        Decimal("10.00"),
        Decimal("25.00"),
    )
    sign_out(page)

    # The student still owes: the hold refuses them another device, beside the student ID.
    sign_in(page, technician.username)
    go_to(page, "Hand out")
    student_box = page.get_by_label("Student ID", exact=True)
    student_box.press_sequentially("S1000101", delay=5)
    student_box.press("Enter")
    expect(page.locator("#id_student-error")).to_contain_text("S1000101 owes $25.00 in unpaid charges")
    expect(page.get_by_label("Device: asset tag or serial")).to_have_count(0)
    check(page, "06-hold-refuses")
    assert not Handout.objects.filter(student__identifier="S1000101", collected_at__isnull=True).exists()
