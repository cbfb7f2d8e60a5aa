"""Reads of the fleet for screens and endpoints: visibility, joins and filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from pghistory.models import Events

from accounts.models import User
from core import selectors as history
from core.choices import choice_label
from core.pagination import rows_by_id
from fleet.choices import AssigneeKind, AuditScanOutcome, DeviceStatus, LocationKind
from fleet.domain import lifecycle
from fleet.filters import DeviceFilterSet, normalise_identifier, warranty_state
from fleet.models import CustodyEvent, Device, DeviceModel, Location, LocationAudit, LocationAuditScan

UserLike = User | AnonymousUser


def device_list(*, user: UserLike, filters: Mapping[str, Any] | None = None) -> QuerySet[Device]:
    """Devices the user may see, filtered; two queries for a page whatever its size."""
    devices = Device.objects.visible_to(user).select_related("model", "manufacturer", "location", "custodian")
    if not filters:
        return devices  # nothing to filter: see ``core.filters.filtered``
    filterset = DeviceFilterSet(filters, queryset=devices)
    if not filterset.is_valid():
        return devices.none()
    return filterset.qs


class DeviceListRow(NamedTuple):
    """One line of the device list: what its table shows, read as a row of columns.

    A page of 50 devices joined to model, manufacturer, location and custodian as model instances
    took 3.6 ms to build at district scale; as rows, 1.3 ms.
    """

    pk: int
    asset_tag: str
    serial: str
    model_name: str
    status: str
    location_name: str
    warranty_end: dt.date | None
    custodian: str  # as ``User.__str__``; empty when the device is in no vehicle
    assignee_kind: str
    assignee_id: str

    @property
    def status_label(self) -> str:
        return choice_label(DeviceStatus, self.status)

    @property
    def assignee_kind_label(self) -> str:
        return choice_label(AssigneeKind, self.assignee_kind)


def device_list_rows(*, device_ids: Sequence[int]) -> list[DeviceListRow]:
    """The devices of a list page, in the order of ``device_ids`` (already filtered for the user
    by ``device_list``), with what the table shows; one query."""
    columns = Device.objects.filter(pk__in=device_ids).values_list(
        "pk",
        "asset_tag",
        "serial",
        "model__name",
        "status",
        "location__name",
        "warranty_end",
        "custodian__first_name",
        "custodian__last_name",
        "custodian__username",
        "assignee_kind",
        "assignee_id",
    )
    rows = {}
    for pk, tag, serial, model, status, location, warranty, first, last, username, kind, assignee in columns:
        custodian = User.name_of(first, last, username) if username else ""
        rows[pk] = DeviceListRow(
            pk, tag, serial, model, status, location, warranty, custodian, kind, assignee
        )
    return [rows[pk] for pk in device_ids if pk in rows]


# The columns of an API list page, as ``DeviceOutputSerializer`` reads them (``__`` a relation).
_DEVICE_API_COLUMNS = (
    "id",
    "asset_tag",
    "serial",
    "manufacturer__name",
    "model__name",
    "model_id",
    "model__aue_month",
    "status",
    "location__code",
    "location_id",
    "custodian_id",
    "custodian__username",
    "assignee_kind",
    "assignee_id",
    "is_loaner",
    "purchase_date",
    "purchase_order_number",
    "warranty_end",
    "aue_override",
    "os_version",
    "google_device_id",
    "org_unit_path",
    "last_sync",
    "version",
)


def device_api_rows(*, device_ids: Sequence[int]) -> list[SimpleNamespace]:
    """The devices of an API list page, in the order of ``device_ids`` (already filtered for the
    caller by ``device_list``), shaped as ``DeviceOutputSerializer`` reads a device
    (``model.name``, ``custodian.username`` or no custodian, ``aue_date``); one query of the
    columns it shows.

    As model instances a page was 250 of them (device, maker, model, location, custodian):
    3.4 ms at district scale. The JSON is the same (``tests/fleet/test_api.py``)."""
    rows = rows_by_id(Device.objects.all(), device_ids, _DEVICE_API_COLUMNS)
    for row in rows:
        row.aue_date = Device.aue_date_of(row.aue_override, row.model.aue_month)
    return rows


def device_filterset(*, user: UserLike, filters: Mapping[str, Any] | None = None) -> DeviceFilterSet:
    """The bound filter set (for the form on the list page), over the user's visible devices."""
    devices = Device.objects.visible_to(user).select_related("model", "manufacturer", "location", "custodian")
    return DeviceFilterSet(filters or {}, queryset=devices)


def device_get(*, user: UserLike, device_id: int) -> Device:
    """One device the user may see. Raises Http404 otherwise."""
    try:
        return (
            Device.objects.visible_to(user)
            .select_related("model", "model__manufacturer", "manufacturer", "location")
            # Mostly empty: fetched apart, no query when empty (the join cost 1 ms to plan).
            .prefetch_related("custodian", "variant_confirmed_by")
            .get(pk=device_id)
        )
    except Device.DoesNotExist as exc:
        raise Http404("No such device.") from exc


def device_variant_candidate_ids(*, device_id: int) -> frozenset[int]:
    """The models a device may be while its variant is to confirm; empty once it is confirmed."""
    through = Device.variant_candidates.through
    return frozenset(through.objects.filter(device_id=device_id).values_list("devicemodel_id", flat=True))


def device_find_exact(*, user: UserLike, identifier: str) -> Device | None:
    """The device whose asset tag or serial is exactly ``identifier`` (any case), if visible.

    A serial may repeat across manufacturers; then there is no single match and None returns.
    """
    value = normalise_identifier(identifier)
    if not value:
        return None
    matches = list(Device.objects.visible_to(user).filter(Q(asset_tag=value) | Q(serial=value))[:2])
    return matches[0] if len(matches) == 1 else None


def device_search(*, user: UserLike, prefix: str, limit: int = 10) -> list[Device]:
    """Up to ``limit`` devices whose asset tag or serial starts with ``prefix``; one query."""
    value = normalise_identifier(prefix)
    if len(value) < 2:
        return []
    devices = Device.objects.visible_to(user).select_related("model", "location")
    return list(
        devices.filter(Q(asset_tag__startswith=value) | Q(serial__startswith=value)).order_by("asset_tag")[
            :limit
        ]
    )


def device_custody_timeline(*, device: Device) -> QuerySet[CustodyEvent]:
    """The device's custody events, newest first. The vehicles' custodians, set on a few events
    in a hundred, are fetched apart (no query when a page has none): a six-table join took
    PostgreSQL 2 ms to plan, as long as the rest of the timeline."""
    return (
        device.custody_events.select_related("actor", "from_location", "to_location")
        .prefetch_related("from_custodian", "to_custodian")
        .order_by("-occurred_at", "-pk")
    )


def location_list(*, user: UserLike) -> QuerySet[Location]:
    return Location.objects.visible_to(user).filter(is_active=True).order_by("name")


def device_model_list() -> QuerySet[DeviceModel]:
    return DeviceModel.objects.select_related("manufacturer").order_by("manufacturer__name", "name")


@dataclass(frozen=True)
class DeviceLifeFacts:
    aue_date: dt.date | None
    months_of_updates_left: int | None
    warranty_state: str


def device_life_facts(*, device: Device, today: dt.date | None = None) -> DeviceLifeFacts:
    """AUE date and the whole months of updates left (0 once past), and the warranty state."""
    today = today or timezone.localdate()
    aue = device.aue_date
    months = None
    if aue is not None:
        months = max(
            0, (aue.year - today.year) * 12 + aue.month - today.month - (1 if aue.day < today.day else 0)
        )
    return DeviceLifeFacts(
        aue_date=aue, months_of_updates_left=months, warranty_state=warranty_state(device.warranty_end, today)
    )


# Scans and vehicle custody --------------------------------------------------------------------


def location_get(*, user: UserLike, location_id: int | str | None) -> Location:
    """One active location the user may see. Raises Http404 otherwise (also for a bad id)."""
    try:
        return Location.objects.visible_to(user).get(pk=int(location_id or 0), is_active=True)
    except (Location.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such location.") from exc


def location_default_depot() -> Location | None:
    """Where devices go for secure overnight storage unless the technician picks another place."""
    return Location.objects.filter(kind=LocationKind.DEPOT, is_active=True).order_by("name").first()


def devices_by_ids(*, user: UserLike, device_ids: Sequence[int]) -> list[Device]:
    """The visible devices among ``device_ids``, in the order given (a scanned batch); one query."""
    wanted = list(dict.fromkeys(device_ids))
    devices = Device.objects.visible_to(user).select_related("model", "location", "custodian")
    found = {device.pk: device for device in devices.filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found]


def devices_in_vehicle(*, user: User) -> QuerySet[Device]:
    """The devices the technician is carrying now."""
    return Device.objects.filter(custodian=user).select_related("model", "location").order_by("asset_tag")


def vehicle_check_out_refusal(*, device: Device, user: User) -> str | None:
    """Why ``devices_check_out_to_vehicle`` would refuse this device, for the scan screen."""
    problem = lifecycle.vehicle_check_out_problem(
        status=device.status, custodian_id=device.custodian_id, actor_id=user.pk
    )
    if problem is None:
        return None
    ending = ": it cannot be carried." if device.status in lifecycle.GONE else "."
    return f"{device.asset_tag} {problem}{ending}"


def vehicle_check_in_refusal(*, device: Device, user: User) -> str | None:
    """Why ``devices_check_in_from_vehicle`` would refuse this device, for the scan screen."""
    if device.custodian_id != user.pk:
        return f"{device.asset_tag} is not in your vehicle."
    return None


# Audits ---------------------------------------------------------------------------------------


def audit_expected_devices(*, location: Location) -> QuerySet[Device]:
    """What the records say is on site: at the location, in nobody's vehicle, and not gone."""
    return Device.objects.filter(location=location, custodian__isnull=True).exclude(status__in=lifecycle.GONE)


def device_expected_in_audit(*, device: Device, location: Location) -> bool:
    """The same rule as ``audit_expected_devices``, for one device already in hand."""
    return (
        device.location_id == location.pk
        and device.custodian_id is None
        and device.status not in lifecycle.GONE
    )


def _audit_counts() -> dict[str, Count]:
    return {
        f"{outcome}_count": Count("scans", filter=Q(scans__outcome=outcome)) for outcome in AuditScanOutcome
    }


def location_audit_list(*, user: UserLike, limit: int = 50) -> list[LocationAudit]:
    """The latest audits of the locations the user sees, with their counts; one query."""
    audits = LocationAudit.objects.filter(location__in=Location.objects.visible_to(user))
    return list(
        audits.select_related("location", "started_by")
        .annotate(**_audit_counts())
        .order_by("-started_at", "-pk")[:limit]
    )


def location_audit_get(*, user: UserLike, audit_id: int) -> LocationAudit:
    """One audit of a location the user sees. Raises Http404 otherwise."""
    audits = LocationAudit.objects.filter(location__in=Location.objects.visible_to(user))
    try:
        return audits.select_related("location", "started_by").get(pk=audit_id)
    except LocationAudit.DoesNotExist as exc:
        raise Http404("No such audit.") from exc


@dataclass(frozen=True)
class AuditProgress:
    scanned: int
    present: int
    unexpected: int
    unknown: int
    expected: int
    missing: int


def location_audit_progress(*, audit: LocationAudit) -> AuditProgress:
    """Running counts for the scan screen; two queries whatever the size of the location.

    ``expected`` is what the records put at the location: now while the audit is open, as
    frozen at the finish (present + missing) once it is closed.
    """
    counts = LocationAuditScan.objects.filter(audit=audit).aggregate(
        present=Count("pk", filter=Q(outcome=AuditScanOutcome.PRESENT)),
        unexpected=Count("pk", filter=Q(outcome=AuditScanOutcome.UNEXPECTED)),
        unknown=Count("pk", filter=Q(outcome=AuditScanOutcome.UNKNOWN)),
        missing=Count("pk", filter=Q(outcome=AuditScanOutcome.MISSING)),
    )
    if audit.is_open:
        expected = audit_expected_devices(location=audit.location).count()
        missing = max(0, expected - counts["present"])
    else:
        expected, missing = counts["present"] + counts["missing"], counts["missing"]
    return AuditProgress(
        scanned=counts["present"] + counts["unexpected"] + counts["unknown"],
        present=counts["present"],
        unexpected=counts["unexpected"],
        unknown=counts["unknown"],
        expected=expected,
        missing=missing,
    )


def location_audit_recent_scans(*, audit: LocationAudit, limit: int = 100) -> list[LocationAuditScan]:
    """The latest scans, newest first, for the running list on the scan screen."""
    scans = audit.scans.exclude(outcome=AuditScanOutcome.MISSING)
    return list(
        scans.select_related("device", "device__model", "device__location").order_by("-scanned_at", "-pk")[
            :limit
        ]
    )


@dataclass(frozen=True)
class AuditLine:
    outcome: str
    scanned_code: str
    scanned_at: dt.datetime | None
    device: Device | None

    @property
    def outcome_label(self) -> str:
        return AuditScanOutcome(self.outcome).label


@dataclass(frozen=True)
class AuditReport:
    audit: LocationAudit
    present: list[AuditLine]
    missing: list[AuditLine]
    unexpected: list[AuditLine]
    unknown: list[AuditLine]

    @property
    def lines(self) -> list[AuditLine]:
        return self.present + self.missing + self.unexpected + self.unknown


def location_audit_report(*, audit: LocationAudit) -> AuditReport:
    """Present, missing, unexpected and unknown lines of an audit; at most two queries.

    A finished audit reads its frozen lines; an open one works out *missing* from the records
    now (what is expected at the location and not scanned yet).
    """
    scans = list(
        audit.scans.select_related(
            "device", "device__model", "device__location", "device__custodian"
        ).order_by("outcome", "device__asset_tag", "scanned_code")
    )
    by_outcome: dict[str, list[AuditLine]] = {outcome: [] for outcome in AuditScanOutcome}
    for scan in scans:
        by_outcome[scan.outcome].append(
            AuditLine(scan.outcome, scan.scanned_code, scan.scanned_at, scan.device)
        )
    if audit.is_open:
        scanned_ids = audit.scans.filter(device__isnull=False).values("device")
        missing = (
            audit_expected_devices(location=audit.location)
            .exclude(pk__in=scanned_ids)
            .select_related("model", "location", "custodian")
            .order_by("asset_tag")
        )
        by_outcome[AuditScanOutcome.MISSING] = [
            AuditLine(AuditScanOutcome.MISSING, "", None, device) for device in missing
        ]
    return AuditReport(
        audit=audit,
        present=by_outcome[AuditScanOutcome.PRESENT],
        missing=by_outcome[AuditScanOutcome.MISSING],
        unexpected=by_outcome[AuditScanOutcome.UNEXPECTED],
        unknown=by_outcome[AuditScanOutcome.UNKNOWN],
    )


def device_change_list(*, device: Device) -> QuerySet[Events]:
    """Every recorded change of the device, field by field, newest first (admin edits and
    ``QuerySet.update`` included). Fetch ``device`` through :func:`device_get` first."""
    return history.history_of(device)
