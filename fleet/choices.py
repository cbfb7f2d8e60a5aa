from django.db import models

from core.choices import JobStatus


class DeviceType(models.TextChoices):
    CHROMEBOOK = "chromebook", "Chromebook"
    WINDOWS_LAPTOP = "windows_laptop", "Windows laptop"


class FormFactor(models.TextChoices):
    CLAMSHELL = "clamshell", "Clamshell"
    CONVERTIBLE = "convertible", "2-in-1"


class LocationKind(models.TextChoices):
    ELEMENTARY = "elementary", "Elementary school"
    MIDDLE = "middle", "Middle school"
    HIGH = "high", "High school"
    SPECIAL = "special", "Special or alternative program"
    OFFICE = "office", "Office"
    DEPOT = "depot", "Depot"
    VENDOR = "vendor", "Vendor"


SCHOOL_KINDS = (LocationKind.ELEMENTARY, LocationKind.MIDDLE, LocationKind.HIGH, LocationKind.SPECIAL)


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    DEPLOYED = "deployed", "Deployed"
    LOANER_POOL = "loaner_pool", "Loaner pool"
    LOANED_OUT = "loaned_out", "Loaned out"
    IN_REPAIR = "in_repair", "In repair"
    AT_VENDOR = "at_vendor", "At vendor"
    RETIRED = "retired", "Retired"
    LOST_STOLEN = "lost_stolen", "Lost or stolen"
    E_WASTE = "e_waste", "E-waste"


class AssigneeKind(models.TextChoices):
    NONE = "", "Unassigned"
    STUDENT = "student", "Student"
    STAFF = "staff", "Staff"


class CustodyEventKind(models.TextChoices):
    RECEIVED = "received", "Received into inventory"
    IMPORTED = "imported", "Imported"
    DEPLOYED = "deployed", "Deployed"
    ASSIGNED = "assigned", "Assigned to a person"
    UNASSIGNED = "unassigned", "Returned by a person"
    TRANSFERRED = "transferred", "Moved between locations"
    VEHICLE_CHECK_OUT = "vehicle_check_out", "In a technician's vehicle"
    VEHICLE_CHECK_IN = "vehicle_check_in", "Checked in from a vehicle"
    OVERNIGHT_STORAGE = "overnight_storage", "Secure overnight storage at the depot"
    STATUS_CHANGED = "status_changed", "Status changed"
    LOANED = "loaned", "Loaner checked out"
    LOAN_RETURNED = "loan_returned", "Loaner returned"
    AUDITED = "audited", "Seen in an audit"


class WarrantyState(models.TextChoices):
    ACTIVE = "active", "Under warranty"
    EXPIRING = "expiring", "Expires within 90 days"
    EXPIRED = "expired", "Out of warranty"
    UNKNOWN = "unknown", "Unknown"


class AuditScanOutcome(models.TextChoices):
    PRESENT = "present", "Present"
    UNEXPECTED = "unexpected", "Unexpected: recorded elsewhere"
    UNKNOWN = "unknown", "Unknown code"
    MISSING = "missing", "Missing"


class ImportMappingKind(models.TextChoices):
    LOCATION = "location", "Org unit or location"
    MODEL = "model", "Model name"


class BootMode(models.TextChoices):
    """How a Chromebook last booted, as Google reports it (``bootMode``)."""

    VERIFIED = "verified", "Verified"
    DEV = "dev", "Developer mode"


class GoogleSyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class GoogleSyncTrigger(models.TextChoices):
    NIGHTLY = "nightly", "Nightly"
    MANUAL = "manual", "Sync now"


class ReadinessFlag(models.TextChoices):
    """Why a device is not ready for online testing (the readiness report's device lists)."""

    NOT_SYNCED = "not_synced", "Not synced for 30 days"
    OS_BEHIND = "os_behind", "More than two Chrome OS milestones behind"
    DEV_MODE = "dev_mode", "In developer mode"
    PAST_AUE = "past_aue", "Past AUE"


# Device and roster imports share one job lifecycle (core.services.jobs), and so its statuses.
ImportJobStatus = JobStatus
