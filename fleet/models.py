"""The device fleet: manufacturers, models, places, devices and who had them when."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import F, Q

from core.choices import choice_rank
from core.models import BackgroundJob, BackgroundJobQuerySet, TimeStampedModel, track_history

if TYPE_CHECKING:
    from accounts.models import User
from fleet.choices import (
    SCHOOL_KINDS,
    AssigneeKind,
    AuditScanOutcome,
    BootMode,
    CustodyEventKind,
    DeviceStatus,
    DeviceType,
    FormFactor,
    GoogleSyncStatus,
    GoogleSyncTrigger,
    ImportMappingKind,
    LocationKind,
)


@track_history()
class Manufacturer(models.Model):
    """A device maker (Acer, Dell, Lenovo). Serial formats are validated per manufacturer."""

    name = models.CharField(max_length=50, unique=True)
    serial_regex = models.CharField(max_length=200, blank=True, help_text="Full-match regex for serials.")
    serial_example = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@track_history()
class DeviceModel(TimeStampedModel):
    """A device model with its Auto Update Expiration month, warranty term and replacement price."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="device_models")
    name = models.CharField(max_length=120)
    model_codes = models.CharField(
        max_length=120, blank=True, help_text="Codes separated by |, e.g. C733|C733T"
    )
    device_type = models.CharField(max_length=20, choices=DeviceType.choices)
    form_factor = models.CharField(max_length=20, choices=FormFactor.choices, default=FormFactor.CLAMSHELL)
    board_codename = models.CharField(max_length=40, blank=True)
    aue_month = models.DateField(
        null=True, blank=True, help_text="First day of the AUE month; empty for Windows devices."
    )
    warranty_months = models.PositiveSmallIntegerField(default=36)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    google_names = models.TextField(
        blank=True, help_text="Names Google reports for this model, one per line (import aliases)."
    )

    class Meta:
        ordering = ["manufacturer__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "name"], name="devicemodel_unique_name"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="devicemodel_price_gte_0"),
        ]
        # The device list sorted by model walks the models by name and reads each one's device ids
        # from device_model_status_idx (73 -> 1.3 ms for a page's ids, where PostgreSQL joined and
        # sorted all 250,000 devices).
        indexes = [models.Index(fields=["name"], name="devicemodel_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def aue_date(self) -> dt.date | None:
        """Last day of the AUE month: updates stop after it."""
        return self.aue_date_of(self.aue_month)

    @staticmethod
    def aue_date_of(aue_month: dt.date | None) -> dt.date | None:
        """``aue_date`` for an AUE month read as a column."""
        if aue_month is None:
            return None
        last = calendar.monthrange(aue_month.year, aue_month.month)[1]
        return aue_month.replace(day=last)


def visible_location_ids(user: User | AnonymousUser) -> list[int] | None:
    """None when the user sees every location; else the ids of those they see (a school
    administrator's schools; none for anyone else).

    The ids themselves, read once per user object (so once a request), rather than a subquery:
    with literal ids PostgreSQL knows how many devices or tickets a school has and plans a school's
    page from its location index. Given a subquery it guessed 1 in 35 devices and walked the
    asset-tag index until 50 matched (26,000 rows for /api/devices/ at district scale, 14 ms).
    """
    from accounts.choices import Role
    from accounts.permissions import has_any_role

    if has_any_role(user, Role.TECHNICIAN, Role.SUPERVISOR, Role.PROCUREMENT, Role.ADMIN):
        return None
    if not has_any_role(user, Role.SCHOOL_ADMIN):
        return []
    ids: list[int] | None = getattr(user, "_visible_location_ids", None)
    if ids is None:
        ids = sorted(
            Location.staff_profiles.through.objects.filter(staffprofile__user=cast("User", user))
            .values_list("location", flat=True)
            .distinct()
        )
        user._visible_location_ids = ids  # type: ignore[union-attr]
    return ids


class LocationQuerySet(models.QuerySet["Location"]):
    def schools(self) -> LocationQuerySet:
        return self.filter(kind__in=SCHOOL_KINDS)

    def visible_to(self, user: User | AnonymousUser) -> LocationQuerySet:
        ids = visible_location_ids(user)
        return self if ids is None else self.filter(pk__in=ids)


@track_history()
class Location(TimeStampedModel):
    """A school, office, depot or vendor site. ``cluster`` groups schools for field staff."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=LocationKind.choices)
    cluster = models.CharField(max_length=60, blank=True)
    address = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "cluster"], name="location_kind_cluster_idx"),
            # The device list sorted by location: the locations in name order, each one's devices
            # by index, and only the first page's sorted (an incremental sort), instead of joining
            # and sorting every device (84 ms at district scale, now 3).
            models.Index(fields=["name"], name="location_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class DeviceQuerySet(models.QuerySet["Device"]):
    def visible_to(self, user: User | AnonymousUser) -> DeviceQuerySet:
        """District staff see every device; school administrators their own schools' only."""
        ids = visible_location_ids(user)
        return self if ids is None else self.filter(location_id__in=ids)

    def active(self) -> DeviceQuerySet:
        return self.exclude(status__in=[DeviceStatus.RETIRED, DeviceStatus.E_WASTE, DeviceStatus.LOST_STOLEN])


@track_history(bulk=True, lean=True)
class Device(TimeStampedModel):
    """One physical device. A person it is assigned to appears only as a student or staff ID."""

    asset_tag = models.CharField(max_length=30, unique=True)
    serial = models.CharField(max_length=40)
    # No index of their own on these three keys: each leads an index below (the maker, the unique
    # serial per maker), which serves the same look-ups; one index fewer to write per device.
    manufacturer = models.ForeignKey(
        Manufacturer, on_delete=models.PROTECT, related_name="devices", db_index=False
    )
    model = models.ForeignKey(DeviceModel, on_delete=models.PROTECT, related_name="devices", db_index=False)
    status = models.CharField(max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="devices", db_index=False)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="devices_in_custody",
        null=True,
        blank=True,
        db_index=False,  # device_custodian_idx: only the few devices in a vehicle
        help_text="The technician carrying the device (in their vehicle), if any.",
    )
    assignee_kind = models.CharField(max_length=10, choices=AssigneeKind.choices, blank=True, default="")
    assignee_id = models.CharField("assignee ID", max_length=20, blank=True, default="")
    is_loaner = models.BooleanField(default=False)
    purchase_date = models.DateField(null=True, blank=True)
    purchase_order_number = models.CharField(max_length=40, blank=True)
    warranty_end = models.DateField(null=True, blank=True)
    os_version = models.CharField(max_length=40, blank=True)
    google_device_id = models.CharField(max_length=64, null=True, blank=True)
    org_unit_path = models.CharField(max_length=255, blank=True)
    last_sync = models.DateTimeField(null=True, blank=True)
    boot_mode = models.CharField(
        max_length=10, choices=BootMode.choices, blank=True, help_text="As Google last reported it."
    )
    aue_override = models.DateField(
        null=True, blank=True, help_text="Per-device AUE date reported by Google (autoUpdateThrough)."
    )
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # Google's model name can cover several hardware variants; see fleet.services.variants.
    variant_confirmed = models.BooleanField(
        default=True, help_text="False while the hardware variant is one of variant_candidates."
    )
    variant_candidates = models.ManyToManyField(
        DeviceModel,
        related_name="devices_to_confirm",
        blank=True,
        help_text="The models the device may be, until someone reads its label.",
    )
    variant_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="device_variants_confirmed",
        null=True,
        blank=True,
        db_index=False,  # device_variant_by_idx: only the confirmed variants
    )
    variant_confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["asset_tag"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "serial"], name="device_unique_serial_per_maker"),
            models.UniqueConstraint(
                fields=["google_device_id"],
                condition=Q(google_device_id__isnull=False),
                name="device_unique_google_id",
            ),
            models.CheckConstraint(
                condition=Q(assignee_kind="", assignee_id="") | (~Q(assignee_kind="") & ~Q(assignee_id="")),
                name="device_assignee_kind_and_id_together",
            ),
        ]
        indexes = [
            # Prefix search (LIKE 'X%') needs pattern ops on PostgreSQL with a non-C collation;
            # other databases ignore opclasses. The unique asset_tag already gets Django's
            # varchar_pattern_ops "_like" index on PostgreSQL, so only the serial needs one here.
            models.Index(
                fields=["serial"], name="device_serial_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["status", "location"], name="device_status_location_idx"),
            # With the id, so the list sorted by location reads a school's ids from the index alone
            # (the first school's 1,200 devices: 2.9 -> 0.5 ms for the page's ids).
            models.Index(fields=["location", "status"], include=["id"], name="device_location_status_idx"),
            # A school's devices in asset-tag order (a school administrator's list and API): the
            # first page straight from the index, where the asset-tag index alone walked 26,000
            # other schools' devices before 50 of the school's.
            models.Index(fields=["location", "asset_tag"], name="device_location_tag_idx"),
            models.Index(fields=["model", "status"], include=["id"], name="device_model_status_idx"),
            # Loaner pools' counts per school and status: the few thousand loaners alone, read
            # without visiting the table (repairs.selectors.loaner_pool_list).
            models.Index(
                fields=["location", "status"], name="device_loaner_idx", condition=models.Q(is_loaner=True)
            ),
            # The AUE-year filter: Google's per-device date, when it has one.
            models.Index(fields=["aue_override"], name="device_aue_override_idx"),
            # The list sorted by purchase date (newest first, ties by id) reads the top of this
            # index rather than sorting 250,000 devices: 46 ms to about 0.1.
            models.Index(fields=["purchase_date", "id"], name="device_purchase_date_id_idx"),
            # The list sorted by status (in its declared order), warranty end or serial, ties by id
            # as the filter sorts: a page from the top of the index rather than sorting 250,000
            # devices (warranty end 36-46 ms, serial 42 ms before).
            models.Index(choice_rank("status", DeviceStatus), F("id"), name="device_status_rank_idx"),
            models.Index(fields=["warranty_end", "id"], name="device_warranty_end_id_idx"),
            models.Index(fields=["serial", "id"], name="device_serial_id_idx"),
            # Mostly empty keys, indexed where set (as custody events' custodians, below).
            models.Index(
                fields=["custodian"], name="device_custodian_idx", condition=models.Q(custodian__isnull=False)
            ),
            models.Index(
                fields=["variant_confirmed_by"],
                name="device_variant_by_idx",
                condition=models.Q(variant_confirmed_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} ({self.serial})"

    @property
    def aue_date(self) -> dt.date | None:
        """The device's own AUE date from Google when known, else its model's."""
        return self.aue_override or self.model.aue_date

    @staticmethod
    def aue_date_of(aue_override: dt.date | None, model_aue_month: dt.date | None) -> dt.date | None:
        """``aue_date`` for a device read as columns (its own date, its model's AUE month)."""
        return aue_override or DeviceModel.aue_date_of(model_aue_month)


@track_history()
class ImportMapping(TimeStampedModel):
    """An answer an import asked for once and every later import reuses.

    An org unit or annotated location that names no location maps to a location; a model name
    Google uses that the catalogue lacks maps to a model. ``key`` is the text as the file has it,
    compared case- and spacing-insensitively (``key_normalised``).
    """

    kind = models.CharField(max_length=20, choices=ImportMappingKind.choices)
    key = models.CharField(max_length=255)
    key_normalised = models.CharField(max_length=255, editable=False)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="import_mappings", null=True, blank=True
    )
    device_model = models.ForeignKey(
        DeviceModel, on_delete=models.PROTECT, related_name="import_mappings", null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_mappings_updated",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key_normalised"], name="importmapping_unique_key"),
            models.CheckConstraint(
                condition=Q(kind="location", location__isnull=False, device_model__isnull=True)
                | Q(kind="model", location__isnull=True, device_model__isnull=False),
                name="importmapping_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.location or self.device_model}"

    @staticmethod
    def normalise(text: str) -> str:
        return " ".join(text.casefold().split())


class ImportJobQuerySet(BackgroundJobQuerySet["ImportJob"]):
    def visible_to(self, user: User | AnonymousUser) -> ImportJobQuerySet:
        """Everyone who may import sees the district's whole import history (an administrator can
        follow or cancel a supervisor's import); nobody else sees any."""
        from fleet import permissions

        return self if permissions.can_import_devices(user) else self.none()


class ImportJob(BackgroundJob):
    """One confirmed device import, run in the background: its file, options, progress and outcome.

    Written only by ``fleet.services.importing.jobs``. While it runs, the live figures are in
    the cache (the import's transaction hides rows written inside it); these fields hold the
    last figures once it ends. ``row_errors`` keeps the first ROW_ERRORS_KEPT row problems.
    The status, progress, file and outcome fields and ``is_active`` are every job's
    (``core.models.BackgroundJob``).
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    file_format = models.CharField(max_length=20)
    default_location = models.CharField(max_length=40, blank=True)
    devices_created = models.PositiveIntegerField(default=0)
    devices_updated = models.PositiveIntegerField(default=0)
    devices_unchanged = models.PositiveIntegerField(default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta(BackgroundJob.Meta):
        constraints = [
            models.UniqueConstraint(fields=["storage_name"], name="importjob_one_job_per_file"),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name} ({self.status})"


@track_history(bulk=True, ledger=True)
class CustodyEvent(models.Model):
    """Append-only: one change of place, holder or status of a device. Written only by services."""

    # Led by custody_device_time_idx, which serves a device's look-ups: no index of its own.
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="custody_events", db_index=False
    )
    kind = models.CharField(max_length=30, choices=CustodyEventKind.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="custody_events_recorded",
        null=True,
        blank=True,
    )
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    from_status = models.CharField(max_length=20, choices=DeviceStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=DeviceStatus.choices, blank=True)
    # Indexed only where set (custody_*_custodian_idx): 1% of a district's events.
    from_custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    to_custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
    )
    from_assignee_id = models.CharField(max_length=20, blank=True)
    to_assignee_id = models.CharField(max_length=20, blank=True)
    ticket = models.ForeignKey(
        "repairs.Ticket", on_delete=models.PROTECT, related_name="custody_events", null=True, blank=True
    )
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["device", "occurred_at"], name="custody_device_time_idx"),
            # The admin's newest-first list and keyset pages by (occurred_at, id).
            models.Index(fields=["occurred_at", "id"], name="custody_time_id_idx"),
            # Keys that are mostly empty, indexed where set: a look-up by one (a user's deletion
            # check, a vehicle's history) implies it is set. A full index of 1.7 M NULLs was 12 MB
            # each at district scale, and an entry to write per event.
            models.Index(
                fields=["from_custodian"],
                name="custody_from_custodian_idx",
                condition=models.Q(from_custodian__isnull=False),
            ),
            models.Index(
                fields=["to_custodian"],
                name="custody_to_custodian_idx",
                condition=models.Q(to_custodian__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


@track_history()
class LocationAudit(TimeStampedModel):
    """A count of what is physically at a location, compared with what the records say.

    Open while ``finished_at`` is empty; at most one open audit per location.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="audits")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="location_audits_started"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["location"], condition=Q(finished_at__isnull=True), name="audit_one_open_per_location"
            ),
        ]
        indexes = [models.Index(fields=["location", "started_at"], name="audit_location_started_idx")]

    def __str__(self) -> str:
        return f"Audit of {self.location_id} started {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None


@track_history()
class LocationAuditScan(models.Model):
    """Append-only: one line of an audit.

    A scan (present, unexpected, or an unknown code), or a device the records expected at the
    location that nobody scanned (missing: written when the audit finishes, without a scan time).
    """

    audit = models.ForeignKey(LocationAudit, on_delete=models.PROTECT, related_name="scans")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="audit_scans", null=True, blank=True
    )
    scanned_code = models.CharField(max_length=60, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=AuditScanOutcome.choices)

    class Meta:
        ordering = ["-scanned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "device"], condition=Q(device__isnull=False), name="auditscan_device_once"
            ),
            models.CheckConstraint(
                condition=Q(outcome=AuditScanOutcome.MISSING, scanned_at__isnull=True)
                | (~Q(outcome=AuditScanOutcome.MISSING) & Q(scanned_at__isnull=False)),
                name="auditscan_missing_has_no_scan_time",
            ),
            models.CheckConstraint(
                condition=Q(outcome=AuditScanOutcome.UNKNOWN, device__isnull=True)
                | (~Q(outcome=AuditScanOutcome.UNKNOWN) & Q(device__isnull=False)),
                name="auditscan_device_unless_unknown",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}: {self.scanned_code or self.device_id} {self.outcome}"


# The name of the device tally's row in SummaryRefresh.
DEVICE_TALLY = "fleet.device_tally"


class SummaryRefresh(models.Model):
    """When a summary table was last rebuilt from its underlying rows, and how many rows it got.

    The reports that read a summary show this time; a rebuild locks its row, so two rebuilds of
    one table run one after the other.
    """

    name = models.CharField(max_length=60, unique=True)
    refreshed_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    # What the rebuild decided along the way and its figures depend on (the device tally: the day
    # and the district's Chrome OS milestones its Google flags were counted against).
    facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} at {self.refreshed_at:%Y-%m-%d %H:%M}"


class DeviceTallyQuerySet(models.QuerySet["DeviceTally"]):
    def visible_to(self, user: User | AnonymousUser) -> DeviceTallyQuerySet:
        """As ``Device.objects.visible_to``: school administrators count their own schools only."""
        ids = visible_location_ids(user)
        return self if ids is None else self.filter(location_id__in=ids)


class DeviceTally(models.Model):
    """Devices per location, model, status and own AUE date (Google's, else none): what the
    readiness report, the AUE plan and the refresh plan read instead of every device.

    Rebuilt whole from the devices by ``services.summaries.device_tally_refresh`` (nightly, and
    after imports); never written row by row.
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="device_tallies")
    model = models.ForeignKey(DeviceModel, on_delete=models.CASCADE, related_name="device_tallies")
    status = models.CharField(max_length=20, choices=DeviceStatus.choices)
    aue_override = models.DateField(null=True, blank=True)
    devices = models.PositiveIntegerField()
    # Of those, the ones carrying each of Google's readiness flags on the rebuild's day (the
    # flags change with every sync and with the date, so the readiness report reads them here
    # rather than scanning every device per request); ``flagged``: any of them or past AUE.
    not_synced = models.PositiveIntegerField(default=0)
    os_behind = models.PositiveIntegerField(default=0)
    dev_mode = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)

    objects = DeviceTallyQuerySet.as_manager()

    class Meta:
        ordering = ["location", "model", "status", "aue_override"]
        indexes = [models.Index(fields=["location", "status"], name="devtally_location_status_idx")]

    def __str__(self) -> str:
        return f"{self.devices} x {self.model_id} {self.status} at {self.location_id}"


class GoogleSyncRun(models.Model):
    """One read of the district's Chromebooks from Google Admin (Directory API), nightly or on request.

    The counts are the device import's (the sync feeds it); ``removed`` lists devices this
    inventory links to Google that a complete sync no longer saw: reported, never changed.
    """

    trigger = models.CharField(
        max_length=10, choices=GoogleSyncTrigger.choices, default=GoogleSyncTrigger.NIGHTLY
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="google_sync_runs",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=GoogleSyncStatus.choices, default=GoogleSyncStatus.PENDING
    )
    pages = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0, help_text="Requests retried after a 429 or 5xx.")
    devices_seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    removed = models.JSONField(
        default=list, blank=True, help_text="Linked devices the sync no longer saw (first 200)."
    )
    problems = models.JSONField(default=list, blank=True, help_text="Refused rows and notices (first 200).")
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="googlesyncrun_status_idx")]

    def __str__(self) -> str:
        return f"Google sync {self.pk} ({self.status})"


@track_history()
class District(models.Model):
    """The district's own settings, one row (pk 1): its name on labels and receipts, the hourly
    labour rate repair costs are counted at, and whether student names are kept at all."""

    name = models.CharField(max_length=120, default="School District")
    labour_rate_per_hour = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("45.00"),
        help_text="What an hour of a technician's repair time costs the district.",
    )
    student_names_shown = models.BooleanField(
        default=False,
        help_text="Off: students are kept and shown by ID only, and roster names are not stored.",
    )

    class Meta:
        verbose_name = "district settings"
        verbose_name_plural = "district settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="district_single_row"),
            models.CheckConstraint(
                condition=Q(labour_rate_per_hour__gte=0), name="district_labour_rate_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> District:
        """The settings row, created with defaults the first time it is read."""
        district, _ = cls.objects.get_or_create(pk=1)
        return district
