"""Scan services and reads: collection check-in, location audits, and the scan-screen checks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.exceptions import DomainError
from fleet.choices import AuditScanOutcome, CustodyEventKind, DeviceStatus, LocationKind
from fleet.models import CustodyEvent, LocationAudit, LocationAuditScan
from fleet.selectors import devices as selectors
from fleet.services import devices as services
from tests.accounts.factories import UserFactory
from tests.fleet.factories import DeviceFactory, LocationFactory

pytestmark = pytest.mark.django_db


# Collection check-in --------------------------------------------------------------------------


def test_device_collect_from_elsewhere_moves_it_and_records_a_transfer(technician: User):
    school, depot = LocationFactory.create(), LocationFactory.create(kind=LocationKind.DEPOT)
    device = DeviceFactory.create(location=school)

    device, moved = services.device_collect(device=device, actor=technician, to_location=depot)

    assert moved is True
    device.refresh_from_db()
    assert device.location == depot
    event = CustodyEvent.objects.get(device=device)
    assert (event.kind, event.from_location, event.to_location) == (
        CustodyEventKind.TRANSFERRED,
        school,
        depot,
    )


def test_device_collect_already_there_writes_nothing(technician: User):
    depot = LocationFactory.create(kind=LocationKind.DEPOT)
    device = DeviceFactory.create(location=depot)

    device, moved = services.device_collect(device=device, actor=technician, to_location=depot)

    assert moved is False
    assert device.version == 1
    assert not CustodyEvent.objects.exists()


def test_device_collect_from_a_vehicle_at_its_own_location_takes_it_out_of_the_vehicle(technician: User):
    depot = LocationFactory.create(kind=LocationKind.DEPOT)
    device = DeviceFactory.create(location=depot, custodian=technician)

    device, moved = services.device_collect(device=device, actor=technician, to_location=depot)

    assert moved is True
    device.refresh_from_db()
    assert device.custodian is None


@pytest.mark.parametrize("status", [DeviceStatus.LOST_STOLEN, DeviceStatus.E_WASTE])
def test_device_collect_of_a_gone_device_raises_and_does_not_move_it(technician: User, status: str):
    depot = LocationFactory.create(kind=LocationKind.DEPOT)
    device = DeviceFactory.create(status=status)

    with pytest.raises(DomainError, match="not moved"):
        services.device_collect(device=device, actor=technician, to_location=depot)

    device.refresh_from_db()
    assert device.location != depot
    assert not CustodyEvent.objects.exists()


def test_device_collect_by_school_admin_is_denied(school_admin: User):
    with pytest.raises(PermissionDenied):
        services.device_collect(
            device=DeviceFactory.create(), actor=school_admin, to_location=LocationFactory.create()
        )


# Scan-screen checks ---------------------------------------------------------------------------


def test_vehicle_check_out_refusal_names_each_reason_the_service_refuses(technician: User):
    other = UserFactory.create(roles=[Role.TECHNICIAN])

    lost = DeviceFactory.create(status=DeviceStatus.LOST_STOLEN)
    mine = DeviceFactory.create(custodian=technician)
    theirs = DeviceFactory.create(custodian=other)
    free = DeviceFactory.create()

    assert "lost or stolen" in (selectors.vehicle_check_out_refusal(device=lost, user=technician) or "")
    assert "already in your vehicle" in (
        selectors.vehicle_check_out_refusal(device=mine, user=technician) or ""
    )
    assert "another technician" in (selectors.vehicle_check_out_refusal(device=theirs, user=technician) or "")
    assert selectors.vehicle_check_out_refusal(device=free, user=technician) is None
    # The service agrees with the screen: the free device goes, the others do not.
    for refused in (lost, mine, theirs):
        with pytest.raises(DomainError):
            services.devices_check_out_to_vehicle(device_ids=[refused.pk, free.pk], actor=technician)
    services.devices_check_out_to_vehicle(device_ids=[free.pk], actor=technician)


def test_vehicle_check_in_refusal_for_a_device_not_in_your_vehicle(technician: User):
    assert selectors.vehicle_check_in_refusal(device=DeviceFactory.create(), user=technician)
    assert (
        selectors.vehicle_check_in_refusal(device=DeviceFactory.create(custodian=technician), user=technician)
        is None
    )


def test_devices_by_ids_keeps_the_scan_order_and_drops_unknown_ids(technician: User):
    first, second = DeviceFactory.create(), DeviceFactory.create()

    devices = selectors.devices_by_ids(user=technician, device_ids=[second.pk, 999_999, first.pk, second.pk])

    assert devices == [second, first]


def test_devices_in_vehicle_lists_only_the_technicians_own(technician: User):
    mine = DeviceFactory.create(custodian=technician)
    DeviceFactory.create(custodian=UserFactory.create(roles=[Role.TECHNICIAN]))
    DeviceFactory.create()

    assert list(selectors.devices_in_vehicle(user=technician)) == [mine]


def test_location_default_depot_is_an_active_depot():
    LocationFactory.create(kind=LocationKind.DEPOT, name="Old depot", is_active=False)
    depot = LocationFactory.create(kind=LocationKind.DEPOT, name="Central depot")
    LocationFactory.create()

    assert selectors.location_default_depot() == depot


# Audits ---------------------------------------------------------------------------------------


@pytest.fixture
def audited_school() -> dict[str, object]:
    """A school whose records hold three devices on site, one in a vehicle and one lost."""
    school, elsewhere = LocationFactory.create(name="Oak Middle"), LocationFactory.create(name="Pine High")
    on_site = [DeviceFactory.create(location=school, asset_tag=f"CB-OAK-{n}") for n in range(3)]
    in_vehicle = DeviceFactory.create(location=school, custodian=UserFactory.create())
    lost = DeviceFactory.create(location=school, status=DeviceStatus.LOST_STOLEN)
    stray = DeviceFactory.create(location=elsewhere, asset_tag="CB-PINE-1")
    return {
        "school": school,
        "on_site": on_site,
        "in_vehicle": in_vehicle,
        "lost": lost,
        "stray": stray,
    }


def test_audit_expected_devices_leaves_out_vehicles_and_gone_devices(audited_school: dict):
    expected = set(selectors.audit_expected_devices(location=audited_school["school"]))

    assert expected == set(audited_school["on_site"])
    for device in [*audited_school["on_site"], audited_school["in_vehicle"], audited_school["lost"]]:
        assert selectors.device_expected_in_audit(device=device, location=audited_school["school"]) is (
            device in expected
        )


def test_location_audit_start_opens_an_audit(technician: User):
    school = LocationFactory.create()

    audit = services.location_audit_start(location=school, actor=technician, notes="Spring count")

    assert audit.is_open
    assert (audit.location, audit.started_by, audit.notes) == (school, technician, "Spring count")


def test_location_audit_start_while_one_is_open_raises(technician: User):
    school = LocationFactory.create(name="Elm Elementary")
    services.location_audit_start(location=school, actor=technician)

    with pytest.raises(DomainError, match="already open"):
        services.location_audit_start(location=school, actor=technician)

    assert LocationAudit.objects.count() == 1


def test_location_audit_one_open_per_location_is_a_database_constraint(technician: User):
    school = LocationFactory.create()
    LocationAudit.objects.create(location=school, started_by=technician, started_at=timezone.now())

    with pytest.raises(IntegrityError):
        LocationAudit.objects.create(location=school, started_by=technician, started_at=timezone.now())


def test_location_audit_start_by_procurement_is_denied(procurement: User):
    with pytest.raises(PermissionDenied):
        services.location_audit_start(location=LocationFactory.create(), actor=procurement)


def test_location_audit_scan_outcomes_present_unexpected_unknown(technician: User, audited_school: dict):
    audit = services.location_audit_start(location=audited_school["school"], actor=technician)

    present = services.location_audit_scan(audit=audit, actor=technician, code="cb-oak-0")
    unexpected = services.location_audit_scan(audit=audit, actor=technician, code="CB-PINE-1")
    in_vehicle = services.location_audit_scan(
        audit=audit, actor=technician, code=audited_school["in_vehicle"].asset_tag
    )
    lost = services.location_audit_scan(audit=audit, actor=technician, code=audited_school["lost"].serial)
    unknown = services.location_audit_scan(audit=audit, actor=technician, code="NOT-A-TAG")

    assert (present.outcome, present.device) == (AuditScanOutcome.PRESENT, audited_school["on_site"][0])
    assert present.scanned_code == "CB-OAK-0"
    assert unexpected.outcome == AuditScanOutcome.UNEXPECTED
    assert in_vehicle.outcome == AuditScanOutcome.UNEXPECTED
    assert lost.outcome == AuditScanOutcome.UNEXPECTED
    assert (unknown.outcome, unknown.device, unknown.scanned_code) == (
        AuditScanOutcome.UNKNOWN,
        None,
        "NOT-A-TAG",
    )
    # Scanning changes nothing about the devices.
    assert not CustodyEvent.objects.exists()


@pytest.mark.parametrize("code", ["CB-OAK-1", "UNLISTED-7"])
def test_location_audit_scan_of_the_same_code_twice_raises(technician: User, audited_school: dict, code: str):
    audit = services.location_audit_start(location=audited_school["school"], actor=technician)
    services.location_audit_scan(audit=audit, actor=technician, code=code)

    with pytest.raises(DomainError, match="already scanned"):
        services.location_audit_scan(audit=audit, actor=technician, code=code.lower())

    assert audit.scans.count() == 1


def test_location_audit_scan_of_an_empty_code_raises(technician: User):
    audit = services.location_audit_start(location=LocationFactory.create(), actor=technician)

    with pytest.raises(DomainError, match="Scan an asset tag"):
        services.location_audit_scan(audit=audit, actor=technician, code="   ")


def test_location_audit_scan_after_finish_raises(technician: User, audited_school: dict):
    audit = services.location_audit_start(location=audited_school["school"], actor=technician)
    services.location_audit_finish(audit=audit, actor=technician)

    with pytest.raises(DomainError, match="finished"):
        services.location_audit_scan(audit=audit, actor=technician, code="CB-OAK-0")


def test_location_audit_finish_freezes_missing_and_records_audited_events(
    technician: User, audited_school: dict
):
    school = audited_school["school"]
    scan_time = timezone.make_aware(dt.datetime(2025, 6, 2, 9, 30))
    audit = services.location_audit_start(location=school, actor=technician)
    with time_machine.travel(scan_time, tick=False):
        services.location_audit_scan(audit=audit, actor=technician, code="CB-OAK-0")
        services.location_audit_scan(audit=audit, actor=technician, code="CB-PINE-1")
        services.location_audit_scan(audit=audit, actor=technician, code="UNLISTED-7")

    audit = services.location_audit_finish(audit=audit, actor=technician, notes="Room 12 locked")

    assert audit.finished_at is not None
    assert audit.notes == "Room 12 locked"
    missing = set(audit.scans.filter(outcome=AuditScanOutcome.MISSING).values_list("device", flat=True))
    assert missing == {d.pk for d in audited_school["on_site"][1:]}
    assert audit.scans.filter(outcome=AuditScanOutcome.MISSING, scanned_at__isnull=False).count() == 0
    events = CustodyEvent.objects.filter(kind=CustodyEventKind.AUDITED).order_by("device__asset_tag")
    assert [e.device.asset_tag for e in events] == ["CB-OAK-0", "CB-PINE-1"]
    stray_event = events[1]
    # Where the records put the device does not change; the event says where it was seen.
    assert stray_event.from_location == stray_event.to_location == audited_school["stray"].location
    assert "Oak Middle" in stray_event.reason and "Pine High" in stray_event.reason
    assert all(e.occurred_at == scan_time and e.actor == technician for e in events)
    audited_school["stray"].refresh_from_db()
    assert audited_school["stray"].version == 1


def test_location_audit_finish_twice_raises(technician: User):
    audit = services.location_audit_start(location=LocationFactory.create(), actor=technician)
    services.location_audit_finish(audit=audit, actor=technician)

    with pytest.raises(DomainError, match="finished"):
        services.location_audit_finish(audit=audit, actor=technician)


def test_location_audit_report_of_an_open_audit_works_out_missing_from_the_records(
    technician: User, audited_school: dict
):
    audit = services.location_audit_start(location=audited_school["school"], actor=technician)
    services.location_audit_scan(audit=audit, actor=technician, code="CB-OAK-2")
    services.location_audit_scan(audit=audit, actor=technician, code="CB-PINE-1")
    services.location_audit_scan(audit=audit, actor=technician, code="UNLISTED-7")

    report = selectors.location_audit_report(audit=audit)

    assert [line.device.asset_tag for line in report.present if line.device] == ["CB-OAK-2"]
    assert [line.device.asset_tag for line in report.missing if line.device] == ["CB-OAK-0", "CB-OAK-1"]
    assert [line.device.asset_tag for line in report.unexpected if line.device] == ["CB-PINE-1"]
    assert [line.scanned_code for line in report.unknown] == ["UNLISTED-7"]
    assert not LocationAuditScan.objects.filter(outcome=AuditScanOutcome.MISSING).exists()


def test_location_audit_report_of_a_finished_audit_stays_as_it_was(technician: User, audited_school: dict):
    audit = services.location_audit_start(location=audited_school["school"], actor=technician)
    services.location_audit_scan(audit=audit, actor=technician, code="CB-OAK-0")
    audit = services.location_audit_finish(audit=audit, actor=technician)
    # A device moved in later does not become missing from an audit that is over.
    DeviceFactory.create(location=audited_school["school"], asset_tag="CB-OAK-LATE")

    report = selectors.location_audit_report(audit=audit)

    assert [line.device.asset_tag for line in report.missing if line.device] == ["CB-OAK-1", "CB-OAK-2"]


def test_location_audit_progress_counts_while_open_and_after_finish(technician: User, audited_school: dict):
    audit = services.location_audit_start(location=audited_school["school"], actor=technician)
    services.location_audit_scan(audit=audit, actor=technician, code="CB-OAK-0")
    services.location_audit_scan(audit=audit, actor=technician, code="CB-PINE-1")
    services.location_audit_scan(audit=audit, actor=technician, code="UNLISTED-7")

    open_progress = selectors.location_audit_progress(audit=audit)
    audit = services.location_audit_finish(audit=audit, actor=technician)
    finished_progress = selectors.location_audit_progress(audit=audit)

    assert open_progress == selectors.AuditProgress(
        scanned=3, present=1, unexpected=1, unknown=1, expected=3, missing=2
    )
    assert finished_progress == open_progress


def test_location_audit_list_for_school_admin_shows_only_their_schools(technician: User, school_admin: User):
    own = school_admin.profile.locations.get()
    mine = services.location_audit_start(location=own, actor=technician)
    services.location_audit_start(location=LocationFactory.create(), actor=technician)

    assert selectors.location_audit_list(user=school_admin) == [mine]
    assert len(selectors.location_audit_list(user=technician)) == 2
