"""What an import found and did: the report every caller shows, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from core.exceptions import DomainError
from core.services.job_progress import JobRejected


class ImportFormat(models.TextChoices):
    AUTO = "auto", "Detect from the header"
    GAM = "gam", "GAM print cros"
    ADMIN_CONSOLE = "admin-console", "Google Admin console export"
    CSV = "csv", "Generic CSV"


class RowProblem(models.TextChoices):
    """Why a row cannot be imported. The label is what people read in the report."""

    NO_SERIAL = "no_serial", "no serial"
    MALFORMED_SERIAL = "malformed_serial", "malformed serial"
    NO_ASSET_TAG = "no_asset_tag", "no asset tag"
    MALFORMED_ASSET_TAG = "malformed_asset_tag", "malformed asset tag"
    UNKNOWN_MANUFACTURER = "unknown_manufacturer", "unknown manufacturer"
    UNKNOWN_MODEL = "unknown_model", "unknown model"
    AMBIGUOUS_MODEL = "ambiguous_model", "ambiguous model"
    UNKNOWN_LOCATION = "unknown_location", "unknown location"
    BAD_DATE = "bad_date", "bad date"
    BAD_STATUS = "bad_status", "bad status"
    BAD_ASSIGNEE = "bad_assignee", "bad assignee"
    TOO_LONG = "too_long", "value too long"
    EXTRA_VALUES = "extra_values", "more values than columns"
    DUPLICATE_SERIAL = "duplicate_serial", "duplicate serial in the file"
    DUPLICATE_ASSET_TAG = "duplicate_asset_tag", "duplicate asset tag in the file"
    DUPLICATE_DEVICE_ID = "duplicate_device_id", "duplicate device ID in the file"
    ASSET_TAG_TAKEN = "asset_tag_taken", "asset tag belongs to another device"
    DEVICE_ID_TAKEN = "device_id_taken", "device ID belongs to another device"


class RowNotice(models.TextChoices):
    """Something about a row worth telling, that does not stop it from being imported."""

    DEPROVISIONED = "deprovisioned", "deprovisioned in Google"
    USER_NOT_STORED = "user_not_stored", "annotated user not stored"
    LOCATION_KEPT = "location_kept", "location not changed"
    ASSIGNEE_KEPT = "assignee_kept", "assignee not changed"
    STATUS_KEPT = "status_kept", "status not changed"
    VARIANT_TO_CONFIRM = "variant_to_confirm", "variant to confirm"


@dataclass(frozen=True)
class RowIssue:
    """One problem or notice on one row; ``row`` is the record number in the file (header = 1)."""

    row: int
    asset_tag: str
    serial: str
    code: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class PlannedDevice:
    """A device the import creates, as the preview lists it."""

    row: int
    asset_tag: str
    serial: str
    model: str
    location: str
    status: str


@dataclass
class MappingQuestion:
    """A name in the file that matches nothing we know, answered once for every later import.

    ``kind`` is an ImportMappingKind: "location" (an annotated location or org unit, answered
    with a location code) or "model" (a model name, answered with a catalogue model name).
    """

    kind: str
    text: str
    org_unit_path: str
    first_row: int
    rows: int = 1


@dataclass
class ImportReport:
    """Counts and row-by-row findings. Without ``written`` the counts say what would happen.

    ``errors`` and ``notices`` keep the first 1,000 findings of each kind, in row order;
    ``issue_counts`` counts them all by code (``error_rows`` counts the rows with an error).
    """

    format: str
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    notices: list[RowIssue] = field(default_factory=list)
    to_create: list[PlannedDevice] = field(default_factory=list)
    questions: list[MappingQuestion] = field(default_factory=list)
    issue_counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    valid_only: bool = False
    written: bool = False

    @property
    def format_label(self) -> str:
        return ImportFormat(self.format).label

    @property
    def can_write(self) -> bool:
        """True when confirming would change something and all-or-nothing does not refuse it."""
        return not self.refused and bool(self.created or self.updated)

    @property
    def to_confirm(self) -> int:
        """Devices the import creates with their hardware variant to confirm."""
        return self.issue_counts.get(RowNotice.VARIANT_TO_CONFIRM, 0)

    @property
    def errors_total(self) -> int:
        """Every error found, of which ``errors`` lists up to 1,000 of each kind."""
        return sum(self.issue_counts.get(code, 0) for code in RowProblem.values)

    @property
    def notices_total(self) -> int:
        return sum(self.issue_counts.get(code, 0) for code in RowNotice.values)

    @property
    def refused(self) -> bool:
        """True when all-or-nothing refuses the file because some rows are bad."""
        return bool(self.error_rows) and not self.valid_only


class ImportFileError(DomainError):
    """The file as a whole cannot be read: encoding, not CSV, empty, required columns missing."""


class ImportRejected(JobRejected):
    """Some rows are bad and the caller asked for all or nothing: nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(
            f"{report.error_rows} of {report.rows} rows have problems, so nothing was imported. "
            "Fix them and import the file again, or import only the valid rows."
        )
