"""Which column holds which device field: header aliases per format, and format detection.

Google's names come from ``fleet/fixtures/chromeos_device_fields.csv`` (API field, GAM names,
the headers seen in an Admin console export). Headers are compared after lower-casing and
dropping everything but letters and digits, so "Serial Number", "serial_number" and
"serialNumber" are one name.
"""

from __future__ import annotations

import csv
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fleet.services.importing.report import ImportFileError, ImportFormat

FIELDS_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "chromeos_device_fields.csv"


class Field(enum.StrEnum):
    SERIAL = "serial"
    ASSET_TAG = "asset_tag"
    MANUFACTURER = "manufacturer"
    MODEL = "model"
    DEVICE_ID = "google_device_id"
    ORG_UNIT_PATH = "org_unit_path"
    OS_VERSION = "os_version"
    LAST_SYNC = "last_sync"
    BOOT_MODE = "boot_mode"
    AUE = "aue"
    AUE_LEGACY = "aue_legacy"
    STATUS = "status"
    USER = "user"
    LOCATION = "location"
    PURCHASE_DATE = "purchase_date"
    PURCHASE_ORDER_NUMBER = "purchase_order_number"
    WARRANTY_END = "warranty_end"
    ASSIGNEE_KIND = "assignee_kind"
    ASSIGNEE_ID = "assignee_id"
    # Clues to the hardware variant (fleet.domain.variants); not stored.
    FIRMWARE = "firmware_version"
    PLATFORM_VERSION = "platform_version"
    CPU = "cpu"


REQUIRED = (Field.SERIAL, Field.MODEL)

# The Directory API fields we read, by their API name (the fixture's first column).
GOOGLE_FIELDS = {
    "deviceId": Field.DEVICE_ID,
    "serialNumber": Field.SERIAL,
    "annotatedAssetId": Field.ASSET_TAG,
    "model": Field.MODEL,
    "orgUnitPath": Field.ORG_UNIT_PATH,
    "osVersion": Field.OS_VERSION,
    "lastSync": Field.LAST_SYNC,
    "bootMode": Field.BOOT_MODE,
    "autoUpdateThrough": Field.AUE,
    # Deprecated by Google (epoch milliseconds); the console export shows "YYYY-MM" under it.
    "autoUpdateExpiration": Field.AUE_LEGACY,
    "status": Field.STATUS,
    "annotatedUser": Field.USER,
    "annotatedLocation": Field.LOCATION,
    "firmwareVersion": Field.FIRMWARE,
    "platformVersion": Field.PLATFORM_VERSION,
}
# ``cpuInfo`` is a list of objects: GAM flattens it to "cpuInfo.0.model" and the like.
CPU_HEADERS = ("cpuInfo", "cpuInfo.0.model", "cpuInfo.model", "cpu model", "cpu")

# A district's own spreadsheet (Dell laptops and the like): our names and the usual variants.
GENERIC_ALIASES = {
    Field.ASSET_TAG: ("asset_tag", "asset tag", "asset", "tag", "asset id", "asset number"),
    Field.SERIAL: ("serial", "serial number", "serial no", "service tag", "s/n"),
    Field.MANUFACTURER: ("manufacturer", "make", "maker", "brand"),
    Field.MODEL: ("model", "model name"),
    Field.LOCATION: ("location", "location code", "school", "site"),
    Field.STATUS: ("status",),
    Field.PURCHASE_DATE: ("purchase_date", "purchase date", "purchased", "date purchased"),
    Field.PURCHASE_ORDER_NUMBER: (
        "purchase_order_number",
        "purchase order number",
        "purchase order",
        "po",
        "po number",
    ),
    Field.WARRANTY_END: ("warranty_end", "warranty end", "warranty end date", "warranty expiration"),
    Field.ASSIGNEE_KIND: ("assignee_kind", "assignee kind"),
    Field.ASSIGNEE_ID: ("assignee_id", "assignee id"),
}


def header_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


@dataclass(frozen=True)
class GoogleNames:
    gam: dict[str, Field]
    console: dict[str, Field]
    api_names: frozenset[str]
    console_headers: frozenset[str]


@cache
def google_names() -> GoogleNames:
    gam: dict[str, Field] = {}
    console: dict[str, Field] = {}
    console_headers: set[str] = set()
    with FIELDS_FIXTURE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            exported = [name.strip() for name in row["observed_export_header_unverified"].split(" / ")]
            console_headers.update(name.lower() for name in exported if " " in name)
            target = GOOGLE_FIELDS.get(row["api_field"])
            if target is None:
                continue
            for name in [row["api_field"], row["gam_csv_header"], *row["gam_field_name"].split("|")]:
                if name:
                    gam[header_key(name)] = target
            for name in [row["api_field"], *exported]:
                if name:
                    console[header_key(name)] = target
    for name in CPU_HEADERS:
        gam[header_key(name)] = console[header_key(name)] = Field.CPU
    return GoogleNames(
        gam=gam,
        console=console,
        api_names=frozenset(GOOGLE_FIELDS),
        console_headers=frozenset(console_headers),
    )


def aliases(fmt: ImportFormat) -> dict[str, Field]:
    names = google_names()
    if fmt == ImportFormat.GAM:
        return names.gam
    if fmt == ImportFormat.ADMIN_CONSOLE:
        return names.console
    return {header_key(alias): target for target, group in GENERIC_ALIASES.items() for alias in group}


def detect_format(header: Iterable[str]) -> ImportFormat:
    """Spaced lower-case names ("serial number") are the console export (which also starts with
    deviceId); deviceId first and API names ("serialNumber") are GAM; anything else is a spreadsheet.
    """
    names = [name.strip() for name in header]
    google = google_names()
    if any(name in google.console_headers for name in names):
        return ImportFormat.ADMIN_CONSOLE
    camel_case = [name for name in names[1:] if name in google.api_names and name != name.lower()]
    if names and names[0] == "deviceId" and camel_case:
        return ImportFormat.GAM
    return ImportFormat.CSV


@dataclass(frozen=True)
class ColumnMap:
    """For each field, the columns that carry it in header order (duplicate headers are tolerated)."""

    format: ImportFormat
    width: int
    columns: dict[Field, tuple[int, ...]]

    def carries(self, target: Field) -> bool:
        return target in self.columns

    def value(self, cells: list[str], target: Field) -> str:
        """The first non-empty cell of the field's columns, stripped; "" when there is none."""
        for index in self.columns.get(target, ()):
            if index < len(cells):
                value = cells[index].strip()
                if value:
                    return value
        return ""


def map_columns(header: list[str], fmt: ImportFormat) -> ColumnMap:
    """Columns by field; unknown columns are ignored. Raises ImportFileError without serial and model."""
    known = aliases(fmt)
    columns: dict[Field, list[int]] = {}
    for index, name in enumerate(header):
        target = known.get(header_key(name))
        if target is not None:
            columns.setdefault(target, []).append(index)
    missing = [target for target in REQUIRED if target not in columns]
    if missing:
        expected = " and ".join(target.value for target in missing)
        raise ImportFileError(
            f"The file has no {expected} column (read as {fmt.label}). "
            f"Check the header row, or choose the right format."
        )
    return ColumnMap(
        format=fmt, width=len(header), columns={key: tuple(value) for key, value in columns.items()}
    )
