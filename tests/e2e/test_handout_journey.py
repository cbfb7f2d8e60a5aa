"""At a tablet (820 x 1180): a technician hands two Chromebooks with chargers to two students,
each signing the agreement on the screen with a drawn signature, then collects one back
damaged; the screens stay keyboard-and-scanner driven and never scroll sideways. Then, on a
phone (390 px), one more hand-out signed on the pad."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device
from repairs.choices import DamageCause
from repairs.models import Ticket
from students.choices import AccessoryKind, ChargeStatus, SignedBy
from students.models import AccessoryStock, Charge, Handout
from tests.e2e.helpers import page_width, sign_in
from tests.e2e.test_forecast_journey import go_to  # finds entries inside a closed dropdown
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.students.factories import AgreementFactory, FeeRuleFactory, StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TABLET: ViewportSize = {"width": 820, "height": 1180}
# Screenshots for a person to look at: set HANDOUT_SHOTS=/some/dir.
SHOTS = os.environ.get("HANDOUT_SHOTS")
_axe = Axe()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _no_sideways_scroll_and_axe_clean(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page_width(page) <= width
    severe = [
        f"{v['id']}: {[n['target'] for n in v['nodes'][:2]]}"
        for v in _axe.run(page).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, severe


def _sign(page: Page) -> None:
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


def _hand_out(page: Page, student_id: str, tag: str, signer: str) -> None:
    student_box = page.get_by_label("Student ID", exact=True)
    expect(student_box).to_be_focused()
    student_box.press_sequentially(student_id, delay=5)
    student_box.press("Enter")
    device_box = page.get_by_label("Device: asset tag or serial")
    expect(device_box).to_be_focused()
    device_box.press_sequentially(tag.lower(), delay=5)
    device_box.press("Enter")
    chargers = page.get_by_label("Chargers")
    expect(chargers).to_be_focused()
    expect(chargers).to_have_value("1")
    _sign(page)
    page.get_by_label(signer, exact=True).check()
    page.get_by_role("button", name="Hand out", exact=True).click()
    expect(page.locator("[data-handout-done]")).to_contain_text(
        f"{tag} handed out to student {student_id} with 1 charger"
    )
    expect(page.get_by_label("Student ID", exact=True)).to_be_focused()


def test_technician_hands_out_two_devices_with_signatures_and_collects_one_back_damaged(
    page: Page, technician: User
):
    school = LocationFactory.create(name="Oak Middle School")
    AccessoryStock.objects.create(location=school, kind=AccessoryKind.CHARGER, on_hand=10)
    AgreementFactory.create(title="Student device agreement 2027", version=3, created_by=technician)
    FeeRuleFactory.create(damage_cause=DamageCause.ACCIDENTAL, device_model=None, amount=Decimal("35.00"))
    for identifier in ("S1000101", "S1000102"):
        StudentFactory.create(identifier=identifier, school=school)
    for tag in ("CB-500101", "CB-500102", "CB-500103"):
        DeviceFactory.create(asset_tag=tag, location=school, status=DeviceStatus.IN_STOCK)
    page.set_viewport_size(TABLET)
    sign_in(page, "technician")

    go_to(page, "Hand out")
    expect(page.get_by_role("heading", name="Hand out a device")).to_be_visible()
    _no_sideways_scroll_and_axe_clean(page)

    # A refusal names the field: a student ID nobody has.
    page.get_by_label("Student ID", exact=True).fill("S0000000")
    page.get_by_label("Student ID", exact=True).press("Enter")
    expect(page.locator("#id_student-error")).to_contain_text("No student has the ID")
    page.get_by_label("Student ID", exact=True).fill("")

    _hand_out(page, "S1000101", "CB-500101", "Student")
    _shot(page, "01-first-handed-out")

    # The second: the device step shows the agreement and the pad; signing is required.
    page.get_by_label("Student ID", exact=True).press_sequentially("S1000102", delay=5)
    page.get_by_label("Student ID", exact=True).press("Enter")
    page.get_by_label("Device: asset tag or serial").press_sequentially("CB-500101", delay=5)
    page.get_by_label("Device: asset tag or serial").press("Enter")
    expect(page.locator("#id_device-error")).to_contain_text("already handed out to student S1000101")
    page.get_by_label("Device: asset tag or serial").fill("CB-500102")
    page.get_by_label("Device: asset tag or serial").press("Enter")
    expect(page.get_by_text("Student device agreement 2027")).to_be_visible()
    page.get_by_role("button", name="Hand out", exact=True).click()
    expect(page.locator("#id_signature-error")).to_contain_text("must be accepted")
    _no_sideways_scroll_and_axe_clean(page)
    _shot(page, "02-signature-refused")
    _sign(page)
    page.get_by_label("Parent or guardian", exact=True).check()
    page.get_by_role("button", name="Hand out", exact=True).click()
    expect(page.locator("[data-handout-done]")).to_contain_text("CB-500102 handed out to student S1000102")

    handouts = {h.device.asset_tag: h for h in Handout.objects.select_related("device")}
    assert {h.signed_by for h in handouts.values()} == {SignedBy.STUDENT, SignedBy.PARENT}
    assert all(bytes(h.signature_png or b"").startswith(b"\x89PNG") for h in handouts.values())
    assert AccessoryStock.objects.get(location=school).on_hand == 8
    assert set(Device.objects.exclude(assignee_id="").values_list("assignee_kind", "assignee_id")) == {
        (AssigneeKind.STUDENT, "S1000101"),
        (AssigneeKind.STUDENT, "S1000102"),
    }

    # The signed record prints, with the drawn signature.
    page.locator("[data-handout-done]").get_by_role("link", name="Signed agreement").click()
    expect(page.get_by_role("heading", name="Student device agreement 2027")).to_be_visible()
    signature = page.get_by_role("img", name="Signature of the parent or guardian for student S1000102")
    expect(signature).to_be_visible()
    page.wait_for_load_state("load")  # images included
    assert page.evaluate("document.querySelector('.signature-image').naturalWidth") >= 50
    _no_sideways_scroll_and_axe_clean(page)
    _shot(page, "03-signed-agreement")

    # Collect one back, damaged: scan it, say what came back, pick the cause.
    go_to(page, "Collect")
    code = page.get_by_label("Scan the device, or type the student's ID")
    expect(code).to_be_focused()
    code.press_sequentially("CB-500101", delay=5)
    code.press("Enter")
    expect(page.get_by_label("Device condition")).to_be_focused()
    page.get_by_label("Device condition").select_option("damaged")
    page.get_by_role("button", name="Record the return").click()
    expect(page.locator("#id_damage_cause-error")).to_contain_text("Choose what caused")
    _no_sideways_scroll_and_axe_clean(page)
    page.get_by_label("Cause of damage or loss").select_option("accidental")
    page.get_by_label("What is damaged").select_option("screen")
    page.get_by_label("Notes").fill("Cracked screen")
    _shot(page, "04-collect-form")
    page.get_by_role("button", name="Record the return").click()
    done = page.locator("[data-collect-done]")
    expect(done).to_contain_text("CB-500101 collected from student S1000101: damaged.")
    expect(done).to_contain_text("Charge of $35.00 proposed")
    expect(page.get_by_label("Scan the device, or type the student's ID")).to_be_focused()
    _shot(page, "05-collected")

    collected = Handout.objects.get(device__asset_tag="CB-500101")
    ticket = Ticket.objects.get()
    assert (collected.ticket, ticket.damage_cause, ticket.problem_summary) == (
        ticket,
        "accidental",
        "Cracked screen",
    )
    assert Charge.objects.get().status == ChargeStatus.PROPOSED
    assert AccessoryStock.objects.get(location=school).on_hand == 9
    kinds = list(
        CustodyEvent.objects.filter(device=collected.device).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[:2] == [CustodyEventKind.ASSIGNED, CustodyEventKind.UNASSIGNED]
    assert Handout.objects.get(device__asset_tag="CB-500102").is_open
    assert reverse("students:collect_scan") in page.url

    # On a phone the same screens fit the width: the student collected from gets another device.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("students:handout_scan"))
    page.get_by_label("Student ID", exact=True).press_sequentially("S1000101", delay=5)
    page.get_by_label("Student ID", exact=True).press("Enter")
    page.get_by_label("Device: asset tag or serial").press_sequentially("CB-500103", delay=5)
    page.get_by_label("Device: asset tag or serial").press("Enter")
    expect(page.get_by_label("Chargers")).to_be_focused()
    _no_sideways_scroll_and_axe_clean(page)
    _shot(page, "06-phone-confirm")
    _sign(page)
    page.get_by_role("button", name="Hand out", exact=True).click()
    expect(page.locator("[data-handout-done]")).to_contain_text("CB-500103 handed out to student S1000101")
    assert Handout.objects.get(device__asset_tag="CB-500103").signed_by == SignedBy.STUDENT
