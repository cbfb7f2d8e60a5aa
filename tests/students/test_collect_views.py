"""The collection screen: scan, pick among a student's devices, record the return."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import User
from fleet.choices import AssigneeKind, DeviceStatus
from fleet.models import Device
from repairs.models import Ticket
from students.choices import AccessoryKind, Condition, HandoutOrigin
from students.models import AccessoryStock, Handout, Student
from students.services import handouts
from tests.fleet.factories import DeviceFactory, LocationFactory
from tests.students.factories import FeeRuleFactory, HandoutFactory, StudentFactory, assigned_by_import

pytestmark = pytest.mark.django_db

URL = "/students/collect/"
HX = {"HX-Request": "true"}


def _handed_out(actor: User, *, tag: str = "CB-910001", student=None) -> Handout:
    school = student.school if student else LocationFactory.create()
    student = student or StudentFactory.create(identifier="S8000001", school=school)
    device = DeviceFactory.create(asset_tag=tag, location=school, status=DeviceStatus.IN_STOCK)
    AccessoryStock.objects.get_or_create(location=school, kind=AccessoryKind.CHARGER, defaults={"on_hand": 2})
    return handouts.handout_create(student=student, device=device, actor=actor, accessories={"charger": 1})


def _post(client: Client, **data: str):
    return client.post(URL, data, headers=HX)


def test_collect_scan_page_shows_the_scan_box(login, technician: User):
    response = login(technician).get(URL)

    assert response.status_code == 200 and 'name="code"' in response.content.decode()
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("role", ["procurement", "no_role_user"])
def test_collect_scan_for_roles_without_students_is_denied(login, request, role):
    client = login(request.getfixturevalue(role))

    assert client.get(URL).status_code == 403 and client.post(URL, {"code": "x"}).status_code == 403


def test_collect_scan_of_a_device_answers_its_return_form(login, technician: User, django_assert_num_queries):
    _handed_out(technician)
    client = login(technician)

    with django_assert_num_queries(6):
        response = _post(client, step="scan", code="cb-910001")

    html = response.content.decode()
    assert "<html" not in html and 'id="collect-panel"' in html and "student S8000001" in html
    assert (
        'name="condition_in"' in html and 'name="charger_returned"' in html and 'name="damage_cause"' in html
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [("NOPE-1", "No device or student you can see"), ("", "This field is required")],
)
def test_collect_scan_of_unknown_code_is_refused_beside_the_box(login, technician: User, code, message):
    html = _post(login(technician), step="scan", code=code).content.decode()

    assert message in html and 'id="id_code-error"' in html


def test_collect_scan_of_a_device_not_handed_out_says_so(login, technician: User):
    DeviceFactory.create(asset_tag="CB-920001")

    html = _post(login(technician), step="scan", code="CB-920001").content.decode()

    assert "not handed out to a student" in html


def test_collect_scan_of_a_student_with_two_devices_lists_them_to_pick(login, technician: User):
    first = _handed_out(technician)
    second = _handed_out(technician, tag="CB-910002", student=first.student)
    client = login(technician)

    html = _post(client, step="scan", code="S8000001").content.decode()
    assert "has 2 devices out" in html and "CB-910001" in html and "CB-910002" in html

    picked = _post(client, step="pick", handout=str(second.pk)).content.decode()
    assert f'name="handout" value="{second.pk}"' in picked and 'name="condition_in"' in picked


def test_collect_scan_of_a_student_with_nothing_out_says_so(login, technician: User):
    StudentFactory.create(identifier="S8100001")

    html = _post(login(technician), step="scan", code="S8100001").content.decode()

    assert "has no device out" in html


def test_collect_records_the_return_and_answers_the_empty_scan_box(login, technician: User):
    handout = _handed_out(technician)

    html = _post(
        login(technician),
        step="collect",
        handout=str(handout.pk),
        condition_in=Condition.GOOD,
        charger_returned="1",
        charger_condition=Condition.GOOD,
    ).content.decode()

    handout.refresh_from_db()
    assert "CB-910001 collected from student S8000001: good." in html and 'name="code"' in html
    assert not handout.is_open
    assert AccessoryStock.objects.get(kind="charger").on_hand == 2
    assert Device.objects.get(pk=handout.device_id).assignee_id == ""


def test_collect_damaged_links_the_new_ticket_and_says_the_charge_proposed(login, technician: User):
    handout = _handed_out(technician)
    FeeRuleFactory.create(damage_cause="accidental", device_model=None, amount=Decimal("30.00"))

    html = _post(
        login(technician),
        step="collect",
        handout=str(handout.pk),
        condition_in=Condition.DAMAGED,
        damage_cause="accidental",
        symptom="screen",
        charger_returned="1",
        charger_condition=Condition.GOOD,
    ).content.decode()

    ticket = Ticket.objects.get()
    assert f"Repair ticket #{ticket.pk}" in html and ticket.damage_cause == "accidental"
    assert "Charge of $30.00 proposed: confirm it on the ticket." in html


def test_collect_damaged_without_cause_is_refused_beside_it_and_writes_nothing(login, technician: User):
    handout = _handed_out(technician)

    response = _post(
        login(technician),
        step="collect",
        handout=str(handout.pk),
        condition_in=Condition.DAMAGED,
        charger_returned="1",
        charger_condition=Condition.GOOD,
    )

    html = response.content.decode()
    assert (
        response.status_code == 200 and "Choose what caused" in html and 'id="id_damage_cause-error"' in html
    )
    assert Handout.objects.get(pk=handout.pk).is_open and not Ticket.objects.exists()


def test_collect_with_too_many_chargers_is_refused_beside_them(login, technician: User):
    handout = _handed_out(technician)

    html = _post(
        login(technician),
        step="collect",
        handout=str(handout.pk),
        condition_in=Condition.GOOD,
        charger_returned="3",
        charger_condition=Condition.GOOD,
    ).content.decode()

    assert 'id="id_charger_returned-error"' in html and Handout.objects.get(pk=handout.pk).is_open


def test_collect_twice_says_it_was_already_collected(login, technician: User):
    handout = _handed_out(technician)
    client = login(technician)
    data = {"step": "collect", "handout": str(handout.pk), "condition_in": "good", "charger_returned": "1"}
    _post(client, charger_condition="good", **data)

    html = _post(client, charger_condition="good", **data).content.decode()

    assert "already collected" in html


def test_collect_of_another_schools_handout_is_404_for_school_admin(login, school_admin: User):
    handout = HandoutFactory.create()

    response = _post(login(school_admin), step="pick", handout=str(handout.pk))

    assert response.status_code == 404


# A device assigned by import, never handed out in the app ---------------------------------------


def _imported(*, school=None) -> tuple[Device, Student]:
    """CB-930001 assigned by import to student S8200001, two chargers on the school's shelf."""
    school = school or LocationFactory.create()
    AccessoryStock.objects.get_or_create(location=school, kind=AccessoryKind.CHARGER, defaults={"on_hand": 2})
    student = StudentFactory.create(identifier="S8200001", school=school)
    return assigned_by_import(student, asset_tag="CB-930001"), student


def _return(device: Device, student_pk: int, **data: str) -> dict[str, str]:
    answers = {
        "step": "collect",
        "device": str(device.pk),
        "student": str(student_pk),
        "condition_in": Condition.GOOD,
        "charger_returned": "1",
        "charger_condition": Condition.GOOD,
        "case_returned": "0",
        "stylus_returned": "0",
    }
    return answers | data


def _untouched(device: Device) -> None:
    device.refresh_from_db()
    assert not Handout.objects.exists() and (device.assignee_kind, device.status) == (
        AssigneeKind.STUDENT,
        DeviceStatus.DEPLOYED,
    )


def test_collect_scan_of_a_device_assigned_by_import_answers_its_return_form(
    login, technician: User, django_assert_num_queries
):
    device, _ = _imported()
    client = login(technician)

    with django_assert_num_queries(8):
        response = _post(client, step="scan", code="cb-930001")

    html = response.content.decode()
    assert "not handed out in the app" in html and "student S8200001" in html
    assert f'name="device" value="{device.pk}"' in html and 'name="handout"' not in html
    assert all(f'name="{kind}_returned"' in html for kind in ("charger", "case", "stylus"))


def test_collect_scan_of_a_student_lists_hand_outs_and_devices_assigned_by_import(
    login, technician: User, django_assert_num_queries
):
    handout = _handed_out(technician, tag="CB-930002", student=None)
    device = assigned_by_import(handout.student, asset_tag="CB-930003")
    client = login(technician)

    with django_assert_num_queries(8):
        html = _post(client, step="scan", code="S8000001").content.decode()

    assert "has 2 devices out" in html and "CB-930002" in html and "CB-930003" in html
    assert f'name="handout" value="{handout.pk}"' in html and f'name="device" value="{device.pk}"' in html
    picked = _post(
        client, step="pick", student=str(handout.student.pk), device=str(device.pk)
    ).content.decode()
    assert f'name="device" value="{device.pk}"' in picked and 'name="condition_in"' in picked


def test_collect_of_a_device_assigned_by_import_records_and_closes_the_hand_out(login, technician: User):
    device, student = _imported()

    html = _post(login(technician), **_return(device, student.pk)).content.decode()

    handout = Handout.objects.get()
    device.refresh_from_db()
    assert "CB-930001 collected from student S8200001: good." in html and 'name="code"' in html
    assert (handout.origin, handout.student, handout.is_open, handout.collected_by) == (
        HandoutOrigin.ASSIGNMENT,
        student,
        False,
        technician,
    )
    assert (device.assignee_id, device.status) == ("", DeviceStatus.IN_STOCK)
    assert AccessoryStock.objects.get(kind="charger").on_hand == 3


def test_collect_of_a_device_assigned_by_import_damaged_without_cause_is_refused_beside_it(
    login, technician: User
):
    device, student = _imported()

    response = _post(login(technician), **_return(device, student.pk, condition_in=Condition.DAMAGED))

    html = response.content.decode()
    assert (
        response.status_code == 200 and 'id="id_damage_cause-error"' in html and "Choose what caused" in html
    )
    assert f'name="device" value="{device.pk}"' in html
    _untouched(device)
    assert AccessoryStock.objects.get(kind="charger").on_hand == 2


def test_collect_of_a_device_assigned_by_import_with_four_chargers_is_refused_beside_them(
    login, technician: User
):
    device, student = _imported()

    html = _post(login(technician), **_return(device, student.pk, charger_returned="4")).content.decode()

    assert 'id="id_charger_returned-error"' in html
    _untouched(device)


def test_collect_of_a_device_assigned_to_another_student_is_refused_beside_the_scan_box(
    login, technician: User
):
    device, _ = _imported()
    other = StudentFactory.create(identifier="S8200002", school=device.location)

    html = _post(login(technician), **_return(device, other.pk)).content.decode()

    assert 'id="id_code-error"' in html
    assert "CB-930001 is assigned to student S8200001, not to student S8200002." in html
    _untouched(device)


def test_collect_of_a_device_not_assigned_is_refused_beside_the_scan_box(login, technician: User):
    student = StudentFactory.create(identifier="S8200003")
    device = DeviceFactory.create(
        asset_tag="CB-930009", location=student.school, status=DeviceStatus.IN_STOCK
    )

    html = _post(login(technician), **_return(device, student.pk)).content.decode()

    assert 'id="id_code-error"' in html and "CB-930009 is not handed out to a student, nor assigned" in html
    assert not Handout.objects.exists()


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("S8200001", "is assigned to student S8200001, at a school you do not collect for"),
        ("S9999999", "is assigned to student S9999999, who is not on the roster"),
    ],
)
def test_collect_scan_of_a_device_assigned_to_a_student_out_of_reach_says_why_beside_the_box(
    login, school_admin: User, identifier, message
):
    own = school_admin.profile.locations.get()
    StudentFactory.create(identifier="S8200001", school=LocationFactory.create())
    DeviceFactory.create(
        asset_tag="CB-930010", location=own, assignee_kind=AssigneeKind.STUDENT, assignee_id=identifier
    )

    html = _post(login(school_admin), step="scan", code="CB-930010").content.decode()

    assert 'id="id_code-error"' in html and message in html


def test_collect_scan_by_school_admin_of_another_schools_student_or_device_is_refused_beside_the_box(
    login, school_admin: User
):
    _imported()
    client = login(school_admin)

    by_student = _post(client, step="scan", code="S8200001").content.decode()
    by_device = _post(client, step="scan", code="CB-930001").content.decode()

    assert (
        'id="id_code-error"' in by_student
        and "Student S8200001 is at a school you do not collect for" in by_student
    )
    assert 'id="id_code-error"' in by_device and "No device or student you can see has" in by_device


def test_collect_of_another_schools_assigned_device_is_404_for_school_admin_and_writes_nothing(
    login, school_admin: User
):
    device, student = _imported()

    response = _post(login(school_admin), **_return(device, student.pk))

    assert response.status_code == 404
    _untouched(device)


def test_collect_of_an_assigned_device_by_school_admin_at_own_school(login, school_admin: User):
    device, student = _imported(school=school_admin.profile.locations.get())
    client = login(school_admin)

    assert "not handed out in the app" in _post(client, step="scan", code="CB-930001").content.decode()
    html = _post(client, **_return(device, student.pk)).content.decode()

    assert "CB-930001 collected from student S8200001: good." in html
    assert Handout.objects.get().collected_by == school_admin


def test_collect_of_an_assigned_device_by_procurement_is_denied(login, procurement: User):
    device, student = _imported()

    assert _post(login(procurement), **_return(device, student.pk)).status_code == 403
    _untouched(device)
