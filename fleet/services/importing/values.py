"""Read one cell: dates and timestamps as Google and spreadsheets write them, statuses, student IDs."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.utils import timezone

from fleet.choices import AssigneeKind, BootMode, DeviceStatus


class BadValue(ValueError):
    """The cell cannot be read; the message names what was expected."""


# Google's device statuses (Directory API), and the console's PROVISIONED.
GOOGLE_IN_USE = frozenset({"ACTIVE", "PROVISIONED"})
GOOGLE_STATUSES = GOOGLE_IN_USE | frozenset(
    {
        "DELINQUENT",
        "PRE_PROVISIONED",
        "DEPROVISIONED",
        "DISABLED",
        "INACTIVE",
        "RETURN_ARRIVED",
        "RETURN_REQUESTED",
        "SHIPPED",
        "UNKNOWN",
    }
)
DEPROVISIONED = "DEPROVISIONED"
# A device the import creates starts on a shelf or with a person; other statuses need a history.
NEW_DEVICE_STATUSES = (DeviceStatus.IN_STOCK, DeviceStatus.DEPLOYED, DeviceStatus.LOANER_POOL)

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_EPOCH_MS = re.compile(r"\d{11,14}")
_CONSOLE_TIME_FORMATS = ("%Y-%m-%d %I:%M %p", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M")
# s1234567@students.example.org, 1234567@students.example.org, s1234567 or 1234567.
_STUDENT = re.compile(r"s?(\d{4,20})", re.IGNORECASE)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(value: str) -> dt.date:
    """2025-07-15 or 7/15/2025 (US spreadsheets)."""
    try:
        if match := _US_DATE.fullmatch(value):
            return dt.date(int(match[3]), int(match[1]), int(match[2]))
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise BadValue(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def parse_aue(value: str) -> dt.date:
    """Google's AUE date: RFC 3339 (GAM), "2031-06" (console: the last day of that month), a date,
    or epoch milliseconds (the deprecated autoUpdateExpiration).

    The timestamp's calendar date is taken as written: Google encodes the date as midnight UTC,
    which would fall on the previous day in the district's time zone.
    """
    try:
        if match := _YEAR_MONTH.fullmatch(value):
            return month_end(int(match[1]), int(match[2]))
        if _EPOCH_MS.fullmatch(value):
            return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC).date()
        if len(value) > 10 and value[10] in "T ":
            return dt.datetime.fromisoformat(value).date()
        return dt.date.fromisoformat(value)
    except (ValueError, OverflowError, OSError) as exc:
        raise BadValue(f"{value!r} is not an auto-update date") from exc


def parse_timestamp(value: str) -> dt.datetime:
    """RFC 3339 (GAM, "2025-03-11T13:42:17.000Z") or the console's local "2025-03-11 09:42 AM"."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        for pattern in _CONSOLE_TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        else:
            raise BadValue(f"{value!r} is not a date and time") from None
    if timezone.is_naive(moment):
        # The console writes the admin's local time; the district's zone is the best reading.
        moment = timezone.make_aware(moment)
    return moment


def parse_boot_mode(value: str) -> str:
    """Google's "Verified" or "Dev" as a BootMode; "" for a blank or anything else (a console export
    whose columns slipped must not refuse a row over a field that only informs readiness)."""
    key = value.strip().casefold()
    if key == "verified":
        return BootMode.VERIFIED
    if key in ("dev", "developer"):
        return BootMode.DEV
    return ""


def parse_status(value: str) -> tuple[str, str]:
    """(Google status or "", our status or "") from a Google status or one of ours (value or label)."""
    upper = value.strip().upper().replace(" ", "_").replace("-", "_")
    if upper in GOOGLE_STATUSES:
        return upper, ""
    for status in DeviceStatus:
        if value.strip().casefold() in (status.value, status.label.casefold()):
            return "", status.value
    raise BadValue(f"{value!r} is not a device status")


def student_id(value: str) -> str | None:
    """The student ID in an annotated user, or None when it is anyone else (never kept)."""
    local, at, domain = value.strip().partition("@")
    match = _STUDENT.fullmatch(local)
    if match is None:
        return None
    if at and local[:1].lower() != "s" and "student" not in domain.lower():
        return None
    return match[1]


def parse_assignee(kind: str, assignee_id: str) -> tuple[str, str]:
    """(kind, id) from a spreadsheet's assignee columns: both or neither, an ID of letters and digits."""
    kind = kind.strip().casefold()
    assignee_id = assignee_id.strip()
    if kind not in (AssigneeKind.STUDENT, AssigneeKind.STAFF):
        raise BadValue(f"assignee kind {kind!r} is not student or staff")
    if not assignee_id.isalnum() or len(assignee_id) > 20:
        raise BadValue("the assignee ID must be letters and digits only (no names or e-mails)")
    return kind, assignee_id
