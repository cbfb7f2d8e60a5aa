"""The places, makers and models the sample import files in ``fleet/fixtures/`` refer to.

Models come from the real reference catalogue with their boards and the names Google reports
for them. As in a real catalogue, the samples' names cover several variants: "Acer Chromebook
Spin 511" names two models and the device's AUE date picks one; "Acer Chromebook 511" (C734, C736,
C741L) and "Lenovo 100e Chromebook Gen 3" (Intel, AMD) keep two after the AUE date, so a GAM row
imports them with the variant to confirm, while the console export's firmware names the board.
The three "Acer Chromebook 311" models share an AUE month in pairs, for the ambiguity tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from demo.services import catalogue, reference
from fleet.choices import LocationKind
from fleet.models import DeviceModel, Location, Manufacturer
from tests.fleet.factories import DeviceModelFactory, LocationFactory, ManufacturerFactory

FIXTURES = Path(settings.BASE_DIR) / "fleet" / "fixtures"
GAM_SAMPLE = FIXTURES / "gam_print_cros_sample.csv"
CONSOLE_SAMPLE = FIXTURES / "google_admin_export_sample.csv"

MODEL_NAMES = (
    "Acer Chromebook 311 (C721)",
    "Acer Chromebook 311 (C722, C722T)",
    "Acer Chromebook 311 (C733, C733U, C733T)",
    "Acer Chromebook 511 (C734, C734T, C733-R, C733T-R)",
    "Acer Chromebook 511 (C736, C736T, C736L, C736LT)",
    "Acer Chromebook Spin 511 (R752T, R752TN)",
    "Acer Chromebook Spin 511 (R753T, R753TN, R752T-R)",
    "Lenovo 100e Chromebook Gen 3 (Intel)",
    "Lenovo 100e Chromebook Gen 3 (AMD)",
    "Acer Chromebook 511 (C741L, C741LT)",
    "Lenovo 300e Chromebook 2nd Gen (Intel)",
    "Dell Chromebook 3100 / 3100 2-in-1",
    "Dell Latitude 3140 Education",
)


@dataclass
class ImportReference:
    makers: dict[str, Manufacturer]
    models: dict[str, DeviceModel]
    locations: dict[str, Location]


def import_reference() -> ImportReference:
    formats = reference.serial_formats()
    makers = {
        name: ManufacturerFactory.create(
            name=name, serial_regex=formats[name].regex, serial_example=formats[name].example
        )
        for name in ("Acer", "Dell", "Lenovo")
    }
    rows = {row.name: row for row in reference.device_models()}
    models = {}
    for name in MODEL_NAMES:
        row = rows[name]
        models[name] = DeviceModelFactory.create(
            manufacturer=makers[row.manufacturer],
            name=row.name,
            model_codes="|".join(row.model_codes),
            device_type=row.device_type,
            board_codename=row.board_codename,
            aue_month=row.aue_month,
            google_names=""
            if row.device_type == "windows_laptop"
            else "\n".join(catalogue.google_names(name)),
        )
    locations = {
        code: LocationFactory.create(code=code, name=name, kind=kind)
        for code, name, kind in (
            ("CLES", "Clarksburg Elementary School", LocationKind.ELEMENTARY),
            ("SCMS", "Silver Creek Middle School", LocationKind.MIDDLE),
            ("RMHS", "Richard Montgomery High School", LocationKind.HIGH),
            ("DEPOT", "Central Repair Depot", LocationKind.DEPOT),
        )
    }
    return ImportReference(makers=makers, models=models, locations=locations)


def model(ref: ImportReference, prefix: str) -> DeviceModel:
    """The one reference model whose name starts with ``prefix``."""
    (found,) = [m for name, m in ref.models.items() if name.startswith(prefix)]
    return found
