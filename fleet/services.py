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
from fleet import lifecycle, permissions
from fleet.choices import AssigneeKind, CustodyEventKind, DeviceStatus, LocationKind
from fleet.models import CustodyEvent, Device, Location

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
        raise DomainError(f"The device is already {DeviceStatus(to_status).label.lower()}.")
    if not lifecycle.can_move(locked.status, to_status):
        raise DomainError(lifecycle.refusal(locked.status, to_status))
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
    locked = _lock(device, expected_version)
    if locked.status in lifecycle.GONE:
        raise DomainError(f"A device that is {locked.get_status_display().lower()} cannot be moved.")
    if locked.location_id == to_location.pk and locked.custodian_id is None:
        raise DomainError(f"The device is already at {to_location.name}.")
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

    Raises DomainError for an empty or malformed ID or a device that cannot be deployed.
    """
    _require_change(actor)
    assignee_id = assignee_id.strip()
    if assignee_kind not in (AssigneeKind.STUDENT, AssigneeKind.STAFF):
        raise DomainError("Choose whether the device goes to a student or a staff member.")
    if not assignee_id.isalnum() or len(assignee_id) > 20:
        raise DomainError("Give the person's student or staff ID (letters and digits only, no names).")
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
    _require_change(actor)
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
        if device.status in lifecycle.GONE:
            problems.append(f"{device.asset_tag} is {device.get_status_display().lower()}")
        elif device.custodian_id == actor.pk:
            problems.append(f"{device.asset_tag} is already in your vehicle")
        elif device.custodian_id is not None:
            problems.append(f"{device.asset_tag} is in another technician's vehicle")
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

    All or nothing: every device must be in the actor's own vehicle.
    """
    _require_change(actor)
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
