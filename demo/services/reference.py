"""Read the reference CSV files the project ships in its apps' ``fixtures/`` folders.

The files are copies of ``data/reference/`` kept inside the project so the demo builds on a
machine that has only the repository. Each reader returns plain rows; nothing here touches the
database.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SERIAL_IDENTIFIERS = {
    "Dell": "Service Tag",
    "Lenovo": "Serial number (S/N)",
    "Acer": "Serial number (FG S/N)",
}


def fixture_path(app: str, name: str) -> Path:
    return Path(settings.BASE_DIR) / app / "fixtures" / name


def _rows(app: str, name: str) -> list[dict[str, str]]:
    with fixture_path(app, name).open(newline="", encoding="utf-8") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


@dataclass(frozen=True)
class ModelRow:
    manufacturer: str
    name: str
    model_codes: tuple[str, ...]
    device_type: str
    form_factor: str
    board_codename: str
    aue_month: dt.date | None


@dataclass(frozen=True)
class SerialFormat:
    manufacturer: str
    identifier: str
    regex: str
    example: str


@dataclass(frozen=True)
class PartRow:
    part_number: str
    category: str
    brand: str
    compatible_names: tuple[str, ...]
    labour_minutes: int | None


@dataclass(frozen=True)
class LabourRow:
    category: str
    minimum: int
    median: int
    maximum: int


@dataclass(frozen=True)
class DistrictFacts:
    school_counts: dict[str, int]
    school_names: dict[str, list[str]]
    depot_address: str
    office_address: str


@cache
def device_models() -> tuple[ModelRow, ...]:
    rows = []
    for row in _rows("fleet", "device_models.csv"):
        aue = None
        if row["aue_month"]:
            year, month = row["aue_month"].split("-")
            aue = dt.date(int(year), int(month), 1)
        board = "" if row["board_codename"].startswith("(") else row["board_codename"]
        rows.append(
            ModelRow(
                manufacturer=row["manufacturer"],
                name=row["model_name"],
                model_codes=tuple(code for code in row["model_codes"].split("|") if code),
                device_type="windows_laptop" if row["device_type"].startswith("windows") else "chromebook",
                form_factor="convertible" if "2in1" in row["device_type"] else "clamshell",
                board_codename=board[:40],
                aue_month=aue,
            )
        )
    return tuple(rows)


@cache
def serial_formats() -> dict[str, SerialFormat]:
    """The device serial format of each manufacturer we stock (Dell tag, Lenovo S/N, Acer FG S/N)."""
    formats = {}
    for row in _rows("fleet", "serial_formats.csv"):
        if SERIAL_IDENTIFIERS.get(row["manufacturer"]) == row["identifier"]:
            formats[row["manufacturer"]] = SerialFormat(
                manufacturer=row["manufacturer"],
                identifier=row["identifier"],
                regex=row["regex"],
                example=row["example_fake"],
            )
    return formats


@cache
def parts_catalogue() -> tuple[PartRow, ...]:
    return tuple(
        PartRow(
            part_number=row["part_number"],
            category=row["category"],
            brand=row["oem_brand_context"],
            compatible_names=tuple(name.strip() for name in row["compatible_models"].split(";") if name),
            # Some parts were seen with several times ("15|30"): keep the longest.
            labour_minutes=max((int(v) for v in row["labor_minutes_observed"].split("|") if v), default=None),
        )
        for row in _rows("repairs", "parts_catalogue.csv")
    )


@cache
def labour_minutes() -> dict[str, LabourRow]:
    return {
        row["category"]: LabourRow(
            category=row["category"],
            minimum=int(row["labor_minutes_min"]),
            median=int(row["labor_minutes_median"]),
            maximum=int(row["labor_minutes_max"]),
        )
        for row in _rows("repairs", "repair_labor_minutes.csv")
    }


@cache
def seasonality() -> tuple[float, ...]:
    """Relative ticket volume by calendar month, January first."""
    index = {
        row["month"]: float(row["relative_repair_ticket_index"])
        for row in _rows("demo", "repair_seasonality_assumptions.csv")
    }
    return tuple(index[month] for month in MONTHS)


@cache
def district_facts() -> DistrictFacts:
    rows = _rows("demo", "mcps_reference.csv")
    counts = {
        row["name"].removesuffix("_schools"): int(row["value"])
        for row in rows
        if row["kind"] == "district_count" and row["name"].endswith("_schools")
    }
    names: dict[str, list[str]] = {"elementary": [], "middle": [], "high": [], "special": []}
    for row in rows:
        if row["kind"] != "school":
            continue
        band = {"ES": "elementary", "MS": "middle", "HS": "high"}.get(row["value"][:2])
        if band:
            names[band].append(row["name"])
    by_name = {row["name"]: row["value"] for row in rows}
    return DistrictFacts(
        school_counts=counts,
        school_names=names,
        depot_address=_street(by_name.get("Central Chromebook repair/distribution site", "")),
        office_address=_street(by_name.get("Montgomery County Public Schools (MCPS)", "")),
    )


def _street(text: str) -> str:
    """The street address inside a free-text fact: '... HQ 850 Hungerford Drive, Rockville MD ...'."""
    match = re.search(r"\d+ [^()]*?(?:MD)(?: \d{5})?", text)
    return match.group(0) if match else ""
