"""Device lifecycle and custody: every rule, refusal and the event each change writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts.choices import Role
from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus, LocationKind
from fleet.domain import lifecycle
from fleet.models import CustodyEvent, Device
from fleet.services import devices as services
from tests.accounts.factories import UserFactory
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in DeviceStatus.values for b in DeviceStatus.values if a != b]


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_device_change_status_follows_the_lifecycle_table(technician: User, from_status: str, to_status: str):
    device = DeviceFactory.create(status=from_status)

    if lifecycle.can_move(from_status, to_status):
        changed = services.device_change_status(
            device=device, actor=technician, to_status=to_status, reason="r"
        )
        assert changed.status == to_status
        event = CustodyEvent.objects.get(device=device)
        assert (event.kind, event.from_status, event.to_status) == (
            CustodyEventKind.STATUS_CHANGED,
            from_status,
            to_status,
        )
        assert event.actor == technician and event.reason == "r"
    else:
        with pytest.raises(DomainError, match="cannot become"):
            services.device_change_status(device=device, actor=technician, to_status=to_status)
        device.refresh_from_db()
        assert device.status == from_status
        assert not CustodyEvent.objects.exists()


def test_lifecycle_e_waste_is_final_and_every_other_status_has_a_way_out():
    assert lifecycle.ALLOWED_TRANSITIONS[DeviceStatus.E_WASTE] == frozenset()
    for status in DeviceStatus.values:
        assert status in lifecycle.ALLOWED_TRANSITIONS
        if status != DeviceStatus.E_WASTE:
            assert lifecycle.ALLOWED_TRANSITIONS[status]


def test_device_change_status_refusal_names_what_is_allowed(technician: User):
    device = DeviceFactory.create(status=DeviceStatus.E_WASTE)

    with pytest.raises(DomainError, match="nothing: this is final"):
        services.device_change_status(device=device, actor=technician, to_status=DeviceStatus.DEPLOYED)


def test_device_change_status_to_the_same_status_raises(technician: User):
    device = DeviceFactory.create(status=DeviceStatus.DEPLOYED)

    with pytest.raises(DomainError, match="already deployed"):
        services.device_change_status(device=device, actor=technician, to_status=DeviceStatus.DEPLOYED)


def test_device_change_status_with_stale_version_raises_conflict(technician: User):
    device = DeviceFactory.create(status=DeviceStatus.DEPLOYED)
    stale = device.version
    services.device_change_status(device=device, actor=technician, to_status=DeviceStatus.IN_REPAIR)

    with pytest.raises(ConflictError):
        services.device_change_status(
            device=device, actor=technician, to_status=DeviceStatus.DEPLOYED, expected_version=stale
        )
    assert CustodyEvent.objects.count() == 1


@pytest.mark.parametrize("role", [Role.PROCUREMENT, Role.SCHOOL_ADMIN, None])
def test_device_change_status_by_role_without_permission_is_denied(role: Role | None):
    user = UserFactory.create(roles=[role] if role else [])
    device = DeviceFactory.create(status=DeviceStatus.DEPLOYED)

    with pytest.raises(PermissionDenied):
        services.device_change_status(device=device, actor=user, to_status=DeviceStatus.IN_REPAIR)
    assert not CustodyEvent.objects.exists()


def test_device_change_status_retiring_clears_the_assignee(technician: User):
    device = DeviceFactory.create(
        status=DeviceStatus.DEPLOYED, assignee_kind=AssigneeKind.STUDENT, assignee_id="1234567"
    )

    services.device_change_status(device=device, actor=technician, to_status=DeviceStatus.RETIRED)

    device.refresh_from_db()
    assert (device.assignee_kind, device.assignee_id) == ("", "")
    event = CustodyEvent.objects.get(device=device)
    assert (event.from_assignee_id, event.to_assignee_id) == ("1234567", "")


def test_device_change_status_into_repair_keeps_the_assignee(technician: User):
    device = DeviceFactory.create(
        status=DeviceStatus.DEPLOYED, assignee_kind=AssigneeKind.STUDENT, assignee_id="1234567"
    )

    services.device_change_status(device=device, actor=technician, to_status=DeviceStatus.IN_REPAIR)

    device.refresh_from_db()
    assert device.assignee_id == "1234567"


def test_device_move_records_from_and_to_and_bumps_version(technician: User):
    device = DeviceFactory.create()
    there = LocationFactory.create()
    here = device.location

    services.device_move(device=device, actor=technician, to_location=there, reason="school swap")

    device.refresh_from_db()
    assert device.location == there and device.version == 2
    event = CustodyEvent.objects.get(device=device)
    assert (event.kind, event.from_location, event.to_location) == (CustodyEventKind.TRANSFERRED, here, there)


def test_device_move_to_where_it_is_raises(technician: User):
    device = DeviceFactory.create()

    with pytest.raises(DomainError, match="already at"):
        services.device_move(device=device, actor=technician, to_location=device.location)


@pytest.mark.parametrize("status", [DeviceStatus.LOST_STOLEN, DeviceStatus.E_WASTE])
def test_device_move_of_a_gone_device_raises(technician: User, status: str):
    device = DeviceFactory.create(status=status)

    with pytest.raises(DomainError, match="cannot be moved"):
        services.device_move(device=device, actor=technician, to_location=LocationFactory.create())


def test_device_assign_to_student_id_deploys_and_records(technician: User):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)

    services.device_assign(
        device=device, actor=technician, assignee_kind=AssigneeKind.STUDENT, assignee_id=" 7654321 "
    )

    device.refresh_from_db()
    assert (device.status, device.assignee_kind, device.assignee_id) == (
        DeviceStatus.DEPLOYED,
        AssigneeKind.STUDENT,
        "7654321",
    )
    assert CustodyEvent.objects.get(device=device).kind == CustodyEventKind.ASSIGNED


@pytest.mark.parametrize(
    ("kind", "person"),
    [("student", "Jane Doe"), ("student", "s1234567@students.example.org"), ("", "1234567"), ("student", "")],
)
def test_device_assign_with_a_name_email_or_no_kind_is_refused(technician: User, kind: str, person: str):
    device = DeviceFactory.create(status=DeviceStatus.IN_STOCK)

    with pytest.raises(DomainError):
        services.device_assign(device=device, actor=technician, assignee_kind=kind, assignee_id=person)
    device.refresh_from_db()
    assert device.assignee_id == ""


def test_device_assign_of_a_lost_device_is_refused(technician: User):
    device = DeviceFactory.create(status=DeviceStatus.LOST_STOLEN)

    with pytest.raises(DomainError, match="cannot become deployed"):
        services.device_assign(
            device=device, actor=technician, assignee_kind=AssigneeKind.STAFF, assignee_id="E12345"
        )


def test_device_unassign_returns_a_deployed_device_to_stock(technician: User):
    device = DeviceFactory.create(
        status=DeviceStatus.DEPLOYED, assignee_kind=AssigneeKind.STAFF, assignee_id="E12345"
    )

    services.device_unassign(device=device, actor=technician, reason="left the district")

    device.refresh_from_db()
    assert (device.status, device.assignee_id) == (DeviceStatus.IN_STOCK, "")
    assert CustodyEvent.objects.get(device=device).kind == CustodyEventKind.UNASSIGNED


def test_device_unassign_when_nobody_holds_it_raises(technician: User):
    with pytest.raises(DomainError, match="not assigned"):
        services.device_unassign(device=DeviceFactory.create(), actor=technician)


def test_vehicle_check_out_makes_the_technician_custodian_of_each(technician: User):
    devices = DeviceFactory.create_batch(3)

    services.devices_check_out_to_vehicle(
        device_ids=[d.pk for d in devices], actor=technician, reason="to depot"
    )

    assert set(Device.objects.values_list("custodian", flat=True)) == {technician.pk}
    events = CustodyEvent.objects.filter(kind=CustodyEventKind.VEHICLE_CHECK_OUT)
    assert events.count() == 3
    assert all(e.to_custodian_id == technician.pk and e.from_custodian_id is None for e in events)


def test_vehicle_check_out_is_all_or_nothing_and_names_the_problem(technician: User):
    good = DeviceFactory.create()
    lost = DeviceFactory.create(status=DeviceStatus.LOST_STOLEN, asset_tag="CB-LOST01")
    other = UserFactory.create(roles=[Role.TECHNICIAN])
    taken = DeviceFactory.create(custodian=other, asset_tag="CB-TAKEN1")

    with pytest.raises(DomainError) as excinfo:
        services.devices_check_out_to_vehicle(device_ids=[good.pk, lost.pk, taken.pk], actor=technician)

    assert "CB-LOST01 is lost or stolen" in str(excinfo.value)
    assert "CB-TAKEN1 is in another technician's vehicle" in str(excinfo.value)
    good.refresh_from_db()
    assert good.custodian is None
    assert not CustodyEvent.objects.exists()


def test_vehicle_check_out_of_an_empty_batch_raises(technician: User):
    with pytest.raises(DomainError, match="at least one"):
        services.devices_check_out_to_vehicle(device_ids=[], actor=technician)


def test_vehicle_check_in_at_the_depot_is_secure_overnight_storage(technician: User):
    depot = LocationFactory.create(kind=LocationKind.DEPOT, name="Central Repair Depot")
    devices = DeviceFactory.create_batch(2, custodian=technician)

    services.devices_check_in_from_vehicle(
        device_ids=[d.pk for d in devices], actor=technician, to_location=depot
    )

    assert set(Device.objects.values_list("location", "custodian")) == {(depot.pk, None)}
    assert set(CustodyEvent.objects.values_list("kind", flat=True)) == {CustodyEventKind.OVERNIGHT_STORAGE}


def test_vehicle_check_in_at_a_school_is_a_vehicle_check_in(technician: User):
    school = LocationFactory.create()
    device = DeviceFactory.create(custodian=technician)

    services.devices_check_in_from_vehicle(device_ids=[device.pk], actor=technician, to_location=school)

    event = CustodyEvent.objects.get()
    assert (event.kind, event.to_location, event.from_custodian_id) == (
        CustodyEventKind.VEHICLE_CHECK_IN,
        school,
        technician.pk,
    )


def test_vehicle_check_in_at_an_inactive_location_raises_naming_to_location(technician: User):
    closed_school = LocationFactory.create(is_active=False, name="Old Mill ES")
    device = DeviceFactory.create(custodian=technician)

    with pytest.raises(DomainError, match="Old Mill ES") as excinfo:
        services.devices_check_in_from_vehicle(
            device_ids=[device.pk], actor=technician, to_location=closed_school
        )

    assert excinfo.value.field == "to_location"
    device.refresh_from_db()
    assert device.custodian == technician
    assert not CustodyEvent.objects.exists()


def test_vehicle_check_in_of_a_device_not_in_your_vehicle_refuses_the_batch(technician: User):
    mine = DeviceFactory.create(custodian=technician)
    stranger = DeviceFactory.create(asset_tag="CB-NOTMINE")

    with pytest.raises(DomainError, match="CB-NOTMINE"):
        services.devices_check_in_from_vehicle(
            device_ids=[mine.pk, stranger.pk], actor=technician, to_location=LocationFactory.create()
        )
    mine.refresh_from_db()
    assert mine.custodian == technician
