"""On a phone (390 x 844): year-end collection of Chromebooks a Google Admin import assigned to
a student, never handed out in the app. The technician types the student's ID, picks one of the
two devices listed, records it back damaged (the refusal beside the cause first), then scans the
other's asset tag and records it back in good order; the student page and the printable record
say nothing was signed in the app. Every screen fits the phone and axe-core finds nothing
serious."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import User
from fleet.choices import CustodyEventKind, DeviceStatus
from fleet.models import CustodyEvent, Device
from repairs.choices import DamageCause
from repairs.models import Ticket
from students.choices import AccessoryKind, ChargeStatus, HandoutOrigin
from students.models import AccessoryStock, Charge, Handout
from tests.e2e.helpers import page_width, sign_in
from tests.e2e.test_forecast_journey import go_to  # finds entries inside a closed dropdown
from tests.fleet.factories import LocationFactory
from tests.students.factories import FeeRuleFactory, StudentFactory, assigned_by_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
# Screenshots for a person to look at: set COLLECT_SHOTS=/some/dir.
SHOTS = os.environ.get("COLLECT_SHOTS")
_axe = Axe()


def _check(page: Page, name: str) -> None:
    """No sideways scroll at the phone's width, axe finds nothing serious, and (when asked) a
    screenshot."""
    page.wait_for_load_state("load")
    # A focused button fades to its focus colours: judge contrast once the fade is over.
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    width = page_width(page)
    assert width <= PHONE["width"], f"{name}: {width} px wide"
    severe = [
        f"{v['id']}: {[n['target'] for n in v['nodes'][:2]]}"
        for v in _axe.run(page).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not severe, f"{name}: {severe}"
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_technician_collects_two_devices_assigned_by_import_on_a_phone(page: Page, technician: User):
    school = LocationFactory.create(name="Birch High School")
    AccessoryStock.objects.create(location=school, kind=AccessoryKind.CHARGER, on_hand=4)
    FeeRuleFactory.create(damage_cause=DamageCause.ACCIDENTAL, device_model=None, amount=Decimal("35.00"))
    student = StudentFactory.create(identifier="S1000201", school=school)
    first = assigned_by_import(student, asset_tag="CB-600201")
    second = assigned_by_import(student, asset_tag="CB-600202")
    page.set_viewport_size(PHONE)
    sign_in(page, "technician")

    go_to(page, "Collect")
    code = page.get_by_label("Scan the device, or type the student's ID")
    expect(code).to_be_focused()
    _check(page, "01-scan")

    # The student's ID lists both devices the import assigned: pick one.
    code.press_sequentially("S1000201", delay=5)
    code.press("Enter")
    expect(page.get_by_text("Student S1000201 has 2 devices out")).to_be_visible()
    expect(page.get_by_role("button", name="CB-600201")).to_be_focused()
    _check(page, "02-pick")
    page.get_by_role("button", name="CB-600201").click()
    expect(page.locator("[data-assigned]")).to_contain_text("not handed out in the app")
    expect(page.get_by_label("Device condition")).to_be_focused()

    # Damaged without a cause: refused beside the cause, nothing written.
    page.get_by_label("Device condition").select_option("damaged")
    page.get_by_role("button", name="Record the return").click()
    expect(page.locator("#id_damage_cause-error")).to_contain_text("Choose what caused")
    assert not Handout.objects.exists()
    _check(page, "03-refused")
    page.get_by_label("Cause of damage or loss").select_option("accidental")
    page.get_by_label("What is damaged").select_option("screen")
    page.get_by_label("Chargers back").fill("1")
    page.get_by_role("button", name="Record the return").click()
    done = page.locator("[data-collect-done]")
    expect(done).to_contain_text("CB-600201 collected from student S1000201: damaged.")
    expect(done).to_contain_text("Charge of $35.00 proposed")
    expect(page.get_by_label("Scan the device, or type the student's ID")).to_be_focused()
    _check(page, "04-collected")

    # The other by its asset tag, back in good order.
    code = page.get_by_label("Scan the device, or type the student's ID")
    code.press_sequentially("cb-600202", delay=5)
    code.press("Enter")
    expect(page.get_by_label("Device condition")).to_be_focused()
    page.get_by_role("button", name="Record the return").click()
    expect(page.locator("[data-collect-done]")).to_contain_text(
        "CB-600202 collected from student S1000201: good."
    )

    handouts = {h.device_id: h for h in Handout.objects.all()}
    assert {h.origin for h in handouts.values()} == {HandoutOrigin.ASSIGNMENT}
    assert not any(h.is_open for h in handouts.values())
    ticket = Ticket.objects.get()
    assert (handouts[first.pk].ticket, ticket.device_id) == (ticket, first.pk)
    assert Charge.objects.get().status == ChargeStatus.PROPOSED
    assert AccessoryStock.objects.get(location=school).on_hand == 5
    assert Device.objects.get(pk=second.pk).status == DeviceStatus.IN_STOCK
    kinds = list(CustodyEvent.objects.filter(device=second).order_by("pk").values_list("kind", flat=True))
    assert kinds == [CustodyEventKind.IMPORTED, CustodyEventKind.UNASSIGNED]

    # The student page and the printable record say nothing was signed in the app.
    page.goto(reverse("students:student_detail", args=[student.pk]))
    expect(page.locator("[data-not-signed]").first).to_contain_text("Not signed in the app")
    _check(page, "05-student")
    page.locator("[data-kind=handout]", has_text="CB-600202").get_by_role(
        "link", name="Hand-out record"
    ).click()
    expect(page.get_by_role("heading", name="Device assignment")).to_be_visible()
    expect(page.locator("[data-not-signed]")).to_contain_text("assigned to the student by import")
    _check(page, "06-record")
