"""The hand-out screen step by step, the signed agreement page, its signature image, and the
agreement's versions page: who may, refusals named per field, htmx fragments, query pins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from fleet.choices import AssigneeKind, DeviceStatus
from fleet.models import Device
from students.choices import AccessoryKind, Condition, SignedBy
from students.models import AccessoryStock, Agreement, Handout
from students.services import handouts
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.students.factories import (
    AccessoryStockFactory,
    AgreementFactory,
    ChargeFactory,
    HandoutFactory,
    StudentFactory,
    assigned_by_import,
)
from tests.students.handout_support import signature_data_url, signature_png

pytestmark = pytest.mark.django_db

URL = "/students/hand-out/"
HX = {"HX-Request": "true"}


def _ready():
    school = LocationFactory.create()
    student = StudentFactory.create(identifier="S2000001", school=school)
    device = DeviceFactory.create(asset_tag="CB-900001", location=school, status=DeviceStatus.IN_STOCK)
    AccessoryStockFactory.create(location=school, kind=AccessoryKind.CHARGER, on_hand=3)
    return school, student, device


def _post(client: Client, **data: str):
    return client.post(URL, data, headers=HX)


def test_handout_scan_page_for_technician_shows_the_student_box(login, technician: User):
    response = login(technician).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="student"' in html and "autofocus" in html and 'name="device"' not in html
    assert "js/signature.js" in html
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize("role", ["procurement", "no_role_user"])
def test_handout_scan_for_roles_without_students_is_denied(login, request, role):
    client = login(request.getfixturevalue(role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"step": "student", "student": "S1"}).status_code == 403


def test_handout_scan_anonymous_is_sent_to_sign_in(client: Client):
    assert client.get(URL).status_code == 302


def test_handout_scan_student_step_answers_the_device_step_fragment(login, technician: User):
    _ready()

    response = _post(login(technician), step="student", student=" s2000001 ")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="handout-panel"' in html and "Student S2000001" in html
    assert 'name="device"' in html and 'value="device"' in html


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("S9999999", "No student has the ID"),
        ("", "Scan or type the student"),
    ],
)
def test_handout_scan_unknown_student_is_refused_beside_the_student_box(
    login, technician: User, code, message
):
    response = _post(login(technician), step="student", student=code)

    html = response.content.decode()
    assert message in html and 'id="id_student-error"' in html and 'aria-invalid="true"' in html


def test_handout_scan_inactive_student_is_refused(login, technician: User):
    StudentFactory.create(identifier="S3000001", is_active=False)

    html = _post(login(technician), step="student", student="S3000001").content.decode()

    assert "not active on the roster" in html and 'id="id_student-error"' in html


def test_handout_scan_student_of_another_school_is_refused_for_school_admin(login, school_admin: User):
    StudentFactory.create(identifier="S4000001", school=LocationFactory.create())

    html = _post(login(school_admin), step="student", student="S4000001").content.decode()

    assert "at a school you do not hand out for" in html


def test_handout_scan_held_student_is_refused_for_technician_naming_the_amount(login, technician: User):
    _, student, _ = _ready()
    ChargeFactory.create(student=student, amount=Decimal("60.00"))

    html = _post(login(technician), step="student", student="S2000001").content.decode()

    assert "owes $60.00" in html and "cannot override" in html and 'name="device"' not in html


def test_handout_scan_held_student_for_supervisor_warns_and_asks_the_override_reason(login, supervisor: User):
    _, student, _ = _ready()
    ChargeFactory.create(student=student, amount=Decimal("60.00"))
    client = login(supervisor)

    html = _post(client, step="device", student="S2000001", device="CB-900001").content.decode()

    assert 'id="hold-warning"' in html and 'name="hold_override_reason"' in html
    data = {"step": "confirm", "student": "S2000001", "device": "CB-900001", "condition_out": "good"}
    refused = _post(client, **data)
    assert (
        "owes $60.00" in refused.content.decode()
        and "id_hold_override_reason-error" in refused.content.decode()
    )
    done = _post(client, hold_override_reason="Exams", **data)
    assert "handed out to student S2000001" in done.content.decode()
    assert Handout.objects.get().hold_override_reason == "Exams"


def test_handout_scan_device_already_handed_out_names_the_holder_id(login, technician: User):
    school, _, device = _ready()
    HandoutFactory.create(device=device, student=StudentFactory.create(identifier="S5000001", school=school))

    html = _post(login(technician), step="device", student="S2000001", device="CB-900001").content.decode()

    assert "already handed out to student S5000001" in html and 'id="id_device-error"' in html


def test_handout_scan_device_in_repair_or_unknown_is_refused_beside_the_device_box(login, technician: User):
    _, _, device = _ready()
    Device.objects.filter(pk=device.pk).update(status=DeviceStatus.IN_REPAIR)
    client = login(technician)

    html = _post(client, step="device", student="S2000001", device="CB-900001").content.decode()
    assert "in repair: it cannot be handed out" in html and 'id="id_device-error"' in html

    html = _post(client, step="device", student="S2000001", device="NOPE-1").content.decode()
    assert "No single device you can see" in html


def test_handout_scan_device_step_shows_stock_agreement_and_signature_pad(login, technician: User):
    _ready()
    AgreementFactory.create(title="Device agreement 2027", version=7)

    html = _post(login(technician), step="device", student="S2000001", device="CB-900001").content.decode()

    assert "3 on hand" in html and "Device agreement 2027" in html and "version 7" in html
    assert "data-signature-pad" in html and 'name="signed_by"' in html and ">Hand out<" in html


def test_handout_scan_confirm_hands_out_and_answers_the_empty_scan_box(login, technician: User):
    school, _, device = _ready()
    AgreementFactory.create()

    response = _post(
        login(technician),
        step="confirm",
        student="S2000001",
        device="CB-900001",
        charger="1",
        case="0",
        stylus="0",
        condition_out="good",
        signed_by=SignedBy.STUDENT,
        signature=signature_data_url(),
    )

    html = response.content.decode()
    handout = Handout.objects.get()
    assert "CB-900001 handed out to student S2000001 with 1 charger" in html
    assert reverse("students:handout_agreement", args=[handout.pk]) in html
    assert 'name="student"' in html and 'value=""' in html and 'name="device"' not in html
    assert bytes(handout.signature_png or b"") == signature_png()
    assert AccessoryStock.objects.get(location=school).on_hand == 2
    device.refresh_from_db()
    assert (device.assignee_kind, device.assignee_id) == (AssigneeKind.STUDENT, "S2000001")


def test_handout_scan_confirm_without_signature_is_refused_naming_it_and_writes_nothing(
    login, technician: User
):
    school, _, _ = _ready()
    AgreementFactory.create()

    response = _post(
        login(technician),
        step="confirm",
        student="S2000001",
        device="CB-900001",
        charger="1",
        condition_out="good",
    )

    html = response.content.decode()
    assert response.status_code == 200 and "must be accepted" in html and 'id="id_signature-error"' in html
    assert not Handout.objects.exists() and AccessoryStock.objects.get(location=school).on_hand == 3


def test_handout_scan_confirm_with_forged_signature_is_refused(login, technician: User):
    _ready()
    AgreementFactory.create()
    client = login(technician)
    data = {"step": "confirm", "student": "S2000001", "device": "CB-900001", "condition_out": "good"}

    html = _post(
        client, signed_by="student", signature="data:image/gif;base64,R0lGODlh", **data
    ).content.decode()
    assert "not a drawing from the pad" in html

    html = _post(
        client, signed_by="student", signature="data:image/png;base64,iVBORw0KGgo=", **data
    ).content.decode()
    assert "not a readable drawing" in html and not Handout.objects.exists()


def test_handout_scan_confirm_with_no_charger_on_hand_is_refused_beside_chargers(login, technician: User):
    school, _, _ = _ready()
    AccessoryStock.objects.filter(location=school).update(on_hand=0)

    html = _post(
        login(technician),
        step="confirm",
        student="S2000001",
        device="CB-900001",
        charger="1",
        condition_out="good",
    ).content.decode()

    assert "Not enough chargers" in html and 'id="id_charger-error"' in html and not Handout.objects.exists()


def test_handout_scan_confirm_with_bad_count_is_refused_beside_it(login, technician: User):
    _ready()

    html = _post(
        login(technician),
        step="confirm",
        student="S2000001",
        device="CB-900001",
        charger="9",
        condition_out="good",
    ).content.decode()

    assert 'id="id_charger-error"' in html and not Handout.objects.exists()


def test_handout_scan_without_htmx_answers_the_whole_page(login, technician: User):
    _ready()

    response = login(technician).post(URL, {"step": "student", "student": "S2000001"})

    assert response.status_code == 200 and "<html" in response.content.decode()


# The signed record ----------------------------------------------------------------------------


def _signed_handout(school=None) -> Handout:
    agreement = AgreementFactory.create(title="Agreement 2027", body="Bring it back in June.")
    return HandoutFactory.create(
        student=StudentFactory.create(identifier="S6000001", school=school or LocationFactory.create()),
        agreement=agreement,
        signed_by=SignedBy.PARENT,
        signature_png=signature_png(),
    )


def test_handout_agreement_page_shows_text_student_device_and_signature(
    login, technician: User, django_assert_num_queries
):
    handout = _signed_handout()
    client = login(technician)
    url = reverse("students:handout_agreement", args=[handout.pk])

    with django_assert_num_queries(6):
        response = client.get(url)

    html = response.content.decode()
    assert "Agreement 2027" in html and "Bring it back in June." in html and "S6000001" in html
    assert handout.device.asset_tag in html and "js/print.js" in html
    assert reverse("students:handout_signature", args=[handout.pk]) in html


def test_handout_signature_serves_the_png_privately(login, technician: User):
    handout = _signed_handout()

    response = login(technician).get(reverse("students:handout_signature", args=[handout.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == signature_png() and "no-store" in response["Cache-Control"]


def test_handout_signature_and_agreement_of_another_school_are_404_for_school_admin(
    login, school_admin: User
):
    handout = _signed_handout()
    client = login(school_admin)

    assert client.get(reverse("students:handout_signature", args=[handout.pk])).status_code == 404
    assert client.get(reverse("students:handout_agreement", args=[handout.pk])).status_code == 404


def test_handout_signature_for_procurement_is_denied_and_paper_has_none(
    login, procurement: User, technician: User
):
    handout = _signed_handout()
    assert login(procurement).get(reverse("students:handout_signature", args=[handout.pk])).status_code == 403

    paper = HandoutFactory.create(signed_by=SignedBy.PAPER)
    client = login(technician)
    assert client.get(reverse("students:handout_signature", args=[paper.pk])).status_code == 404
    assert (
        "Signed on paper"
        in client.get(reverse("students:handout_agreement", args=[paper.pk])).content.decode()
    )


def test_handout_agreement_page_of_a_device_assigned_by_import_says_it_was_not_signed(
    login, technician: User, django_assert_num_queries
):
    student = StudentFactory.create(identifier="S6100001")
    device = assigned_by_import(student, asset_tag="CB-950001")
    handout = handouts.handout_collect_assigned(
        student=student,
        device=device,
        actor=technician,
        condition_in=Condition.GOOD,
        accessories=[handouts.AccessoryReturn("charger", 1, Condition.GOOD)],
    )
    client = login(technician)

    with django_assert_num_queries(5):
        response = client.get(reverse("students:handout_agreement", args=[handout.pk]))

    html = response.content.decode()
    assert response.status_code == 200 and "Device assignment" in html
    assert "Not signed in the app: the device was assigned to the student by import" in html
    assert "Not recorded out; back at collection: 1 charger" in html and "S6100001" in html
    assert "handout_signature" not in html and "Signed on paper" not in html


# Agreement versions ---------------------------------------------------------------------------


def test_agreement_list_for_supervisor_lists_versions_with_signed_counts(
    login, supervisor: User, django_assert_num_queries
):
    old = AgreementFactory.create(version=1, title="2025")
    AgreementFactory.create(version=2, title="2026")
    HandoutFactory.create_batch(2, agreement=old)
    client = login(supervisor)

    with django_assert_num_queries(4):
        response = client.get(reverse("students:agreement_list"))

    html = response.content.decode()
    assert "Version 2: 2026" in html and "shown at hand-out" in html and "signed 2 times" in html


def test_agreement_list_post_writes_the_next_version(login, supervisor: User):
    AgreementFactory.create(version=1)

    response = login(supervisor).post(
        reverse("students:agreement_list"), {"title": "2027", "body": "New text"}
    )

    assert response.status_code == 302
    assert Agreement.objects.get(version=2).body == "New text"


def test_agreement_list_post_with_empty_body_is_refused_beside_it(login, supervisor: User):
    response = login(supervisor).post(reverse("students:agreement_list"), {"title": "2027", "body": ""})

    assert response.status_code == 200 and 'id="id_body-error"' in response.content.decode()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("role", ["technician", "school_admin", "procurement"])
def test_agreement_list_for_roles_that_do_not_edit_policy_is_denied(login, request, role):
    assert login(request.getfixturevalue(role)).get(reverse("students:agreement_list")).status_code == 403
