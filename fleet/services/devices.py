"""Every write to devices: status changes, moves, hand-overs and custody, each with its event.

Each change of place, holder or status writes exactly one CustodyEvent per device. Batches
lock their devices in primary-key order, so two technicians scanning overlapping batches
cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, DomainError
from fleet import permissions
from fleet.choices import AssigneeKind, AuditScanOutcome, CustodyEventKind, DeviceStatus, LocationKind
from fleet.domain import lifecycle
from fleet.filters import normalise_identifier
from fleet.models import CustodyEvent, Device, Location, LocationAudit, LocationAuditScan
from fleet.selectors import devices as selectors

DEVICE_WRITE_FIELDS = [
    "status",
    "location",
    "custodian",
    "assignee_kind",
    "assignee_id",
    "version",
    "updated_at",
]


def _event(
    device: Device, before: Device, *, kind: str, actor: User, reason: str, ticket_id: int | None = None
) -> CustodyEvent:
    return CustodyEvent(
        device=device,
        kind=kind,
        occurred_at=timezone.now(),
        actor=actor,
        from_location_id=before.location_id,
        to_location_id=device.location_id,
        from_status=before.status,
        to_status=device.status,
        from_custodian_id=before.custodian_id,
        to_custodian_id=device.custodian_id,
        from_assignee_id=before.assignee_id,
        to_assignee_id=device.assignee_id,
        ticket_id=ticket_id,
        reason=reason[:255],
    )


def _snapshot(device: Device) -> Device:
    return Device(
        pk=device.pk,
        status=device.status,
        location_id=device.location_id,
        custodian_id=device.custodian_id,
        assignee_kind=device.assignee_kind,
        assignee_id=device.assignee_id,
    )


def _lock(device: Device, expected_version: int | None) -> Device:
    locked = Device.objects.select_for_update().get(pk=device.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError("This device changed since you opened it. Reload and try again.")
    return locked


def _save(device: Device) -> None:
    device.version += 1
    device.full_clean(exclude=["model", "manufacturer"], validate_unique=False, validate_constraints=False)
    device.save(update_fields=DEVICE_WRITE_FIELDS)


def _require_change(actor: User) -> None:
    if not permissions.can_change_device(actor):
        raise PermissionDenied


def _require_hand_over(actor: User, device: Device) -> None:
    if not permissions.can_hand_over_device(actor, device):
        raise PermissionDenied


@transaction.atomic
def device_change_status(
    *,
    device: Device,
    actor: User,
    to_status: str,
    reason: str = "",
    ticket_id: int | None = None,
    expected_version: int | None = None,
) -> Device:
    """Move a device to another status of the lifecycle.

    Raises DomainError for a move the lifecycle forbids (the message names what is allowed),
    ConflictError when ``expected_version`` is stale, PermissionDenied for roles that may not.
    Leaving a person's hands (deployed or loaned out) clears the assignee.
    """
    _require_change(actor)
    locked = _lock(device, expected_version)
    if locked.status == to_status:
        raise DomainError(
            f"The device is already {DeviceStatus(to_status).label.lower()}.", field="to_status"
        )
    if not lifecycle.can_move(locked.status, to_status):
        raise DomainError(lifecycle.refusal(locked.status, to_status), field="to_status")
    before = _snapshot(locked)
    locked.status = to_status
    if to_status not in lifecycle.WITH_A_PERSON and to_status != DeviceStatus.IN_REPAIR:
        locked.assignee_kind, locked.assignee_id = AssigneeKind.NONE, ""
    _save(locked)
    _event(
        locked, before, kind=CustodyEventKind.STATUS_CHANGED, actor=actor, reason=reason, ticket_id=ticket_id
    ).save()
    return locked


@transaction.atomic
def device_move(
    *,
    device: Device,
    actor: User,
    to_location: Location,
    reason: str = "",
    expected_version: int | None = None,
) -> Device:
    """Record that a device now sits at another location. Raises DomainError if it is gone."""
    _require_change(actor)
    return _move(_lock(device, expected_version), actor=actor, to_location=to_location, reason=reason)


def _move(locked: Device, *, actor: User, to_location: Location, reason: str) -> Device:
    if locked.status in lifecycle.GONE:
        raise DomainError(f"A device that is {locked.get_status_display().lower()} cannot be moved.")
    if locked.location_id == to_location.pk and locked.custodian_id is None:
        raise DomainError(f"The device is already at {to_location.name}.", field="to_location")
    before = _snapshot(locked)
    locked.location, locked.custodian = to_location, None
    _save(locked)
    _event(locked, before, kind=CustodyEventKind.TRANSFERRED, actor=actor, reason=reason).save()
    return locked


@transaction.atomic
def device_assign(
    *,
    device: Device,
    actor: User,
    assignee_kind: str,
    assignee_id: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Device:
    """Hand a device to a student or staff member, by ID only; it becomes deployed.

    Raises DomainError for an empty or malformed ID or a device that cannot be deployed;
    PermissionDenied unless the actor may hand this device over (``can_hand_over_device``).
    """
    _require_hand_over(actor, device)
    assignee_id = assignee_id.strip()
    if assignee_kind not in (AssigneeKind.STUDENT, AssigneeKind.STAFF):
        raise DomainError(
            "Choose whether the device goes to a student or a staff member.", field="assignee_kind"
        )
    if not assignee_id.isalnum() or len(assignee_id) > 20:
        raise DomainError(
            "Give the person's student or staff ID (letters and digits only, no names).", field="assignee_id"
        )
    locked = _lock(device, expected_version)
    if locked.status != DeviceStatus.DEPLOYED and not lifecycle.can_move(
        locked.status, DeviceStatus.DEPLOYED
    ):
        raise DomainError(lifecycle.refusal(locked.status, DeviceStatus.DEPLOYED))
    before = _snapshot(locked)
    locked.status, locked.assignee_kind, locked.assignee_id = (
        DeviceStatus.DEPLOYED,
        assignee_kind,
        assignee_id,
    )
    _save(locked)
    _event(locked, before, kind=CustodyEventKind.ASSIGNED, actor=actor, reason=reason).save()
    return locked


@transaction.atomic
def device_unassign(
    *, device: Device, actor: User, reason: str = "", expected_version: int | None = None
) -> Device:
    """Take a device back from its holder into stock at its location."""
    _require_hand_over(actor, device)
    locked = _lock(device, expected_version)
    if not locked.assignee_id:
        raise DomainError("The device is not assigned to anyone.")
    before = _snapshot(locked)
    locked.assignee_kind, locked.assignee_id = AssigneeKind.NONE, ""
    if locked.status == DeviceStatus.DEPLOYED:
        locked.status = DeviceStatus.IN_STOCK
    _save(locked)
    _event(locked, before, kind=CustodyEventKind.UNASSIGNED, actor=actor, reason=reason).save()
    return locked


def _lock_batch(device_ids: Sequence[int]) -> list[Device]:
    ids = sorted(set(device_ids))
    if not ids:
        raise DomainError("Scan at least one device.")
    devices = list(Device.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(devices) != len(ids):
        raise DomainError("Some of these devices no longer exist. Scan them again.")
    return devices


@transaction.atomic
def devices_check_out_to_vehicle(*, device_ids: Sequence[int], actor: User, reason: str = "") -> list[Device]:
    """A technician takes devices into their vehicle: they become the custodian of each.

    All or nothing: a device that is gone, or already in another technician's vehicle, refuses
    the whole batch with a message naming it.
    """
    _require_change(actor)
    devices = _lock_batch(device_ids)
    problems = []
    for device in devices:
        problem = lifecycle.vehicle_check_out_problem(
            status=device.status, custodian_id=device.custodian_id, actor_id=actor.pk
        )
        if problem:
            problems.append(f"{device.asset_tag} {problem}")
    if problems:
        raise DomainError("Nothing was checked out: " + "; ".join(problems) + ".")
    events = []
    for device in devices:
        before = _snapshot(device)
        device.custodian = actor
        _save(device)
        events.append(
            _event(device, before, kind=CustodyEventKind.VEHICLE_CHECK_OUT, actor=actor, reason=reason)
        )
    CustodyEvent.objects.bulk_create(events)
    return devices


@transaction.atomic
def devices_check_in_from_vehicle(
    *, device_ids: Sequence[int], actor: User, to_location: Location, reason: str = ""
) -> list[Device]:
    """Devices leave the technician's vehicle at a site. At a depot this is secure overnight storage.

    All or nothing: every device must be in the actor's own vehicle. The site must be an active
    location the actor can see (the check-in form's choices); DomainError naming ``to_location``.
    """
    _require_change(actor)
    if not selectors.location_list(user=actor).filter(pk=to_location.pk).exists():
        raise DomainError(
            f"{to_location} is not an active location you can check in at.", field="to_location"
        )
    devices = _lock_batch(device_ids)
    strangers = [d.asset_tag for d in devices if d.custodian_id != actor.pk]
    if strangers:
        raise DomainError("Nothing was checked in: not in your vehicle: " + ", ".join(strangers) + ".")
    kind = (
        CustodyEventKind.OVERNIGHT_STORAGE
        if to_location.kind == LocationKind.DEPOT
        else CustodyEventKind.VEHICLE_CHECK_IN
    )
    events = []
    for device in devices:
        before = _snapshot(device)
        device.custodian, device.location = None, to_location
        _save(device)
        events.append(_event(device, before, kind=kind, actor=actor, reason=reason))
    CustodyEvent.objects.bulk_create(events)
    return devices


# Collection, audits and loaners ---------------------------------------------------------------


@transaction.atomic
def device_collect(
    *, device: Device, actor: User, to_location: Location, reason: str = ""
) -> tuple[Device, bool]:
    """Record a device handed in at a location (the yearly collection).

    Moves it there (one ``transferred`` event, out of any vehicle) unless the records already
    have it there, in which case nothing is written. Returns the device and whether it moved.
    Raises DomainError for a device that is gone (lost or stolen, e-waste): it is reported to
    the person scanning, not moved. A school administrator collects at their own schools only
    (PermissionDenied otherwise).
    """
    _require_hand_over(actor, device)
    if not permissions.can_change_device(actor) and not (
        selectors.location_list(user=actor).filter(pk=to_location.pk).exists()
    ):
        raise PermissionDenied
    locked = _lock(device, None)
    if locked.status in lifecycle.GONE:
        raise DomainError(
            f"{locked.asset_tag} is recorded as {locked.get_status_display().lower()}: "
            "set it aside and report it; it was not moved."
        )
    if locked.location_id == to_location.pk and locked.custodian_id is None:
        return locked, False
    return _move(locked, actor=actor, to_location=to_location, reason=reason), True


@transaction.atomic
def location_audit_start(*, location: Location, actor: User, notes: str = "") -> LocationAudit:
    """Open an audit of a location. Raises DomainError when one is already open there."""
    _require_change(actor)
    # Serialises two people starting an audit of the same place at once; the partial unique
    # constraint on open audits is the backstop.
    Location.objects.select_for_update().get(pk=location.pk)
    if LocationAudit.objects.filter(location=location, finished_at__isnull=True).exists():
        raise DomainError(
            f"An audit of {location.name} is already open: continue that one.", field="location"
        )
    audit = LocationAudit(location=location, started_by=actor, started_at=timezone.now(), notes=notes)
    audit.full_clean(validate_constraints=False)
    audit.save()
    return audit


def _lock_open_audit(audit: LocationAudit) -> LocationAudit:
    locked = LocationAudit.objects.select_for_update().select_related("location").get(pk=audit.pk)
    if locked.finished_at is not None:
        raise DomainError("This audit is finished: start a new one to scan again.")
    return locked


@transaction.atomic
def location_audit_scan(*, audit: LocationAudit, actor: User, code: str) -> LocationAuditScan:
    """Record one code scanned during an open audit; nothing about the device changes.

    The outcome is *present* when the records expect the device at the audited location,
    *unexpected* when they put it elsewhere (another site, a vehicle, lost), and *unknown* when
    no single device has the code: it is still recorded, an unlisted device is a finding too.
    Raises DomainError for an empty code, a finished audit, or a code already scanned in it.
    """
    _require_change(actor)
    code = normalise_identifier(code)
    if not code:
        raise DomainError("Scan an asset tag or serial.", field="code")
    locked = _lock_open_audit(audit)
    device = selectors.device_find_exact(user=actor, identifier=code)
    if device is None:
        outcome = AuditScanOutcome.UNKNOWN
        already = locked.scans.filter(device__isnull=True, scanned_code=code).exists()
    else:
        expected = selectors.device_expected_in_audit(device=device, location=locked.location)
        outcome = AuditScanOutcome.PRESENT if expected else AuditScanOutcome.UNEXPECTED
        already = locked.scans.filter(device=device).exists()
    if already:
        raise DomainError(
            f"{device.asset_tag if device else code} was already scanned in this audit.", field="code"
        )
    scan = LocationAuditScan(
        audit=locked, device=device, scanned_code=code, scanned_at=timezone.now(), outcome=outcome
    )
    scan.save()
    return scan


@transaction.atomic
def location_audit_finish(*, audit: LocationAudit, actor: User, notes: str = "") -> LocationAudit:
    """Close an open audit and freeze its report.

    Writes a *missing* line for every device the records expect at the location that nobody
    scanned, and one ``audited`` custody event per scanned device (at its scan time; where the
    records put it does not change). Raises DomainError when the audit is already finished.
    """
    _require_change(actor)
    locked = _lock_open_audit(audit)
    scanned_ids = locked.scans.filter(device__isnull=False).values("device")
    missing_ids = selectors.audit_expected_devices(location=locked.location).exclude(pk__in=scanned_ids)
    LocationAuditScan.objects.bulk_create(
        LocationAuditScan(audit=locked, device_id=pk, outcome=AuditScanOutcome.MISSING)
        for pk in missing_ids.values_list("pk", flat=True)
    )
    events = []
    seen = locked.scans.filter(
        outcome__in=[AuditScanOutcome.PRESENT, AuditScanOutcome.UNEXPECTED]
    ).select_related("device", "device__location")
    for scan in seen:
        device = scan.device
        assert device is not None  # guaranteed by the auditscan_device_unless_unknown constraint
        reason = f"Seen in the audit of {locked.location.name}"
        if scan.outcome == AuditScanOutcome.UNEXPECTED:
            reason += f"; the records put it at {device.location.name}"
        event = _event(device, _snapshot(device), kind=CustodyEventKind.AUDITED, actor=actor, reason=reason)
        event.occurred_at = scan.scanned_at or timezone.now()
        events.append(event)
    CustodyEvent.objects.bulk_create(events)
    locked.finished_at = timezone.now()
    if notes:
        locked.notes = notes
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["finished_at", "notes", "updated_at"])
    return locked


def borrower_id_clean(borrower_id: str) -> str:
    """A borrower is named by student or staff ID only. Raises DomainError for anything else."""
    value = borrower_id.strip()
    if not value or not value.isalnum() or len(value) > 20:
        raise DomainError(
            "Give the borrower's student or staff ID (letters and digits only, no names).",
            field="borrower_id",
        )
    return value


@transaction.atomic
def device_lend(
    *, device: Device, borrower_id: str, actor: User, reason: str, ticket_id: int | None
) -> Device:
    """Check a loaner out of its pool to a borrower given by ID: it becomes loaned out, with a
    ``loaned`` custody event. The loan itself (against a ticket) is repairs' record.

    Raises DomainError for a device that is not a loaner in the pool or a borrower that is not an
    ID; PermissionDenied for roles that may not change devices.
    """
    _require_change(actor)
    borrower_id = borrower_id_clean(borrower_id)
    locked = _lock(device, None)
    if not locked.is_loaner:
        raise DomainError(f"{locked.asset_tag} is not a loaner.")
    if locked.status != DeviceStatus.LOANER_POOL:
        raise DomainError(
            f"{locked.asset_tag} is not in the loaner pool: it is {locked.get_status_display().lower()}."
        )
    before = _snapshot(locked)
    locked.status, locked.custodian = DeviceStatus.LOANED_OUT, None
    _save(locked)
    event = _event(
        locked, before, kind=CustodyEventKind.LOANED, actor=actor, reason=reason, ticket_id=ticket_id
    )
    event.to_assignee_id = borrower_id
    event.save()
    return locked


@transaction.atomic
def device_take_back(
    *, device: Device, borrower_id: str, actor: User, reason: str, ticket_id: int | None
) -> Device:
    """Take a loaned-out loaner back into its pool at its location, with a ``loan_returned``
    custody event. Raises DomainError when it is no longer loaned out (sent to repair, lost)."""
    _require_change(actor)
    locked = _lock(device, None)
    if locked.status != DeviceStatus.LOANED_OUT:
        raise DomainError(
            f"{locked.asset_tag} is {locked.get_status_display().lower()}, not loaned out: "
            "change its status on the device page."
        )
    before = _snapshot(locked)
    locked.status, locked.custodian = DeviceStatus.LOANER_POOL, None
    locked.assignee_kind, locked.assignee_id = AssigneeKind.NONE, ""
    _save(locked)
    event = _event(
        locked, before, kind=CustodyEventKind.LOAN_RETURNED, actor=actor, reason=reason, ticket_id=ticket_id
    )
    event.from_assignee_id = borrower_id
    event.save()
    return locked
