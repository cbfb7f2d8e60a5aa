"""Reference data: manufacturers, device models, vendors and the parts catalogue.

Real part numbers come from ``parts_catalogue.csv``. Where the fleet has a model or a repair that
no real part covers, an invented part fills the gap: its number starts with ``DEMO-`` and it has
``is_demo=True`` so nobody orders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from demo.services import reference
from demo.services.context import DemoContext
from fleet.models import DeviceModel, Manufacturer
from repairs.choices import PartCategory
from repairs.models import Part, Vendor

VENDORS = [
    # name, e-mail, phone, repair depot, brands supplied
    ("Keystone Device Parts", "orders@keystone-parts.example", "301-555-0141", False, ("lenovo",)),
    ("Chesapeake Laptop Supply", "sales@chesapeake-laptop.example", "410-555-0177", False, ("acer",)),
    (
        "Bluebird Education Technology",
        "parts@bluebird-edtech.example",
        "240-555-0102",
        False,
        ("dell", "any"),
    ),
    ("Potomac Repair Depot", "rma@potomac-repair.example", "301-555-0190", True, ()),
    ("Piedmont Warranty Services", "depot@piedmont-warranty.example", "703-555-0133", True, ()),
]

# Plausible unit cost ranges in dollars for spare parts of school laptops.
COST_RANGES = {
    "battery": (34, 62),
    "battery_cable": (5, 9),
    "bottom_cover_d": (16, 34),
    "camera": (9, 19),
    "charger": (18, 36),
    "dc_jack": (6, 11),
    "hinge": (8, 16),
    "hinge_cover": (5, 10),
    "io_board": (15, 32),
    "keyboard": (18, 34),
    "lcd_back_cover_a": (18, 36),
    "lcd_bezel": (8, 15),
    "lcd_cable": (6, 14),
    "lcd_panel": (38, 68),
    "microphone": (5, 9),
    "motherboard": (120, 230),
    "palmrest_keyboard_c": (44, 82),
    "sensor_board": (8, 15),
    "speakers": (8, 15),
    "touch_screen_assembly": (85, 145),
    "touchpad": (15, 28),
    "touchpad_cable": (5, 9),
    "wifi_card": (12, 21),
}
CATEGORY_CODES = {
    "battery": "BAT",
    "bottom_cover_d": "DCOV",
    "camera": "CAM",
    "dc_jack": "DCJ",
    "hinge": "HNG",
    "io_board": "IOB",
    "keyboard": "KB",
    "lcd_back_cover_a": "ACOV",
    "lcd_bezel": "BZL",
    "lcd_cable": "EDP",
    "lcd_panel": "LCD",
    "motherboard": "MB",
    "palmrest_keyboard_c": "KBC",
    "speakers": "SPK",
    "touch_screen_assembly": "TSA",
    "touchpad": "TPD",
    "wifi_card": "WLAN",
}
EXTRA_CATEGORIES = [
    "camera",
    "touchpad",
    "lcd_cable",
    "bottom_cover_d",
    "lcd_back_cover_a",
    "lcd_bezel",
    "speakers",
    "wifi_card",
    "dc_jack",
]
CHARGERS = [
    ("DEMO-CHG-USBC-45W", "45 W USB-C charger (demo part number)", "chromebook"),
    ("DEMO-CHG-USBC-65W", "65 W USB-C charger for Dell Latitude (demo part number)", "latitude"),
    (
        "DEMO-CHG-DELL-BARREL-45W",
        "45 W 4.5 mm barrel charger for Dell Latitude 3190 (demo part number)",
        "3190",
    ),
]


@dataclass
class Catalogue:
    """The catalogue as loaded, with the indexes later phases draw from."""

    models: list[DeviceModel]
    model_rows: list[reference.ModelRow]
    fleet_model_names: set[str]
    manufacturers: dict[str, Manufacturer]
    vendors: list[Vendor]
    parts: list[Part] = field(default_factory=list)
    part_fits: list[list[int]] = field(default_factory=list)  # part index -> model indexes
    fits: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (model, category) -> parts

    def model_index(self, name: str) -> int:
        return next(i for i, row in enumerate(self.model_rows) if row.name == name)

    @property
    def repair_depots(self) -> list[Vendor]:
        return [vendor for vendor in self.vendors if vendor.is_repair_depot]


def google_names(name: str) -> list[str]:
    """Short names Google reports for a model: the catalogue name without its parenthesised codes.

    "Acer Chromebook 511 (C734, C734T, ...)" -> "Acer Chromebook 511";
    "Dell Chromebook 3100 / 3100 2-in-1" -> "Dell Chromebook 3100", "Dell Chromebook 3100 2-in-1".
    """
    bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
    first, *variants = [part.strip() for part in bare.split(" / ")]
    names = [first]
    head, _, last_word = first.rpartition(" ")
    for variant in variants:
        names.append(f"{head} {variant}" if variant.split(" ")[0] == last_word else f"{first} {variant}")
    return list(dict.fromkeys(names))


def unit_price(row: reference.ModelRow) -> Decimal:
    """A plausible education price for a model, from its family."""
    name = row.name
    prices = [
        ("Latitude 5400 Chromebook", 1049),
        ("Latitude 5400", 1199),
        ("Latitude 3310", 899),
        ("Latitude 31", 679),
        ("500e", 459),
        ("300e", 349),
        ("100e", 259),
        ("Spin 511", 409),
        ("511", 319),
        ("311", 259),
        ("Dell Chromebook", 299),
    ]
    price = next((value for key, value in prices if key in name), 299)
    if row.aue_month and row.aue_month.year >= 2033:
        price += 20
    return Decimal(price).quantize(Decimal("0.01"))


def build_catalogue(ctx: DemoContext, fleet_model_names: set[str]) -> Catalogue:
    formats = reference.serial_formats()
    manufacturers = {
        name: Manufacturer.objects.create(
            name=name, serial_regex=formats[name].regex, serial_example=formats[name].example
        )
        for name in ("Acer", "Dell", "Lenovo")
    }
    rows = list(reference.device_models())
    models = DeviceModel.objects.bulk_create(
        [
            DeviceModel(
                manufacturer=manufacturers[row.manufacturer],
                name=row.name,
                model_codes="|".join(row.model_codes),
                device_type=row.device_type,
                form_factor=row.form_factor,
                board_codename=row.board_codename,
                aue_month=row.aue_month,
                warranty_months=48 if row.device_type == "windows_laptop" else 36,
                unit_price=unit_price(row),
                google_names="" if row.device_type == "windows_laptop" else "\n".join(google_names(row.name)),
            )
            for row in rows
        ]
    )
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(name=name, email=email, phone=phone, is_repair_depot=depot)
            for name, email, phone, depot, _ in VENDORS
        ]
    )
    catalogue = Catalogue(
        models=models,
        model_rows=rows,
        fleet_model_names=fleet_model_names,
        manufacturers=manufacturers,
        vendors=vendors,
    )
    _build_parts(ctx, catalogue)
    return catalogue


def match_models(name: str, rows: list[reference.ModelRow]) -> list[int]:
    """Device models a catalogue name refers to: by exact name, by model code, else by prefix."""
    exact = [i for i, row in enumerate(rows) if row.name == name]
    if exact:
        return exact
    maker = name.split(" ")[0]
    tokens = set(re.findall(r"\b[A-Z]?\d{3,4}[A-Z]*\b", name))
    by_code = [i for i, row in enumerate(rows) if row.manufacturer == maker and tokens & set(row.model_codes)]
    if by_code:
        return by_code
    by_prefix = [i for i, row in enumerate(rows) if row.name.startswith(name)]
    return by_prefix[:1]


def _build_parts(ctx: DemoContext, catalogue: Catalogue) -> None:
    rng = ctx.random("parts")
    rows = catalogue.model_rows
    fleet = {i for i, row in enumerate(rows) if row.name in catalogue.fleet_model_names}
    vendor_for = {
        brand: vendor for vendor, spec in zip(catalogue.vendors, VENDORS, strict=True) for brand in spec[4]
    }
    labels = dict(PartCategory.choices)
    specs: list[tuple[Part, list[int]]] = []

    def add(
        number: str, description: str, category: str, fits: list[int], brand: str, minutes: int | None
    ) -> None:
        low, high = COST_RANGES[category]
        pack = 10 if category == "charger" else 2 if category == "hinge" else 1
        vendor = vendor_for.get(brand, vendor_for["any"])
        part = Part(
            part_number=number,
            description=description[:200],
            category=category,
            unit_cost=Decimal(f"{rng.uniform(low, high):.2f}"),
            vendor=vendor,
            lead_time_days=rng.choice([5, 7, 10, 14, 21]) + (14 if category == "motherboard" else 0),
            pack_size=pack,
            minimum_order=pack,
            labour_minutes=minutes,
            is_demo=number.startswith("DEMO-"),
        )
        specs.append((part, fits))

    covered: set[tuple[int, str]] = set()
    for row in reference.parts_catalogue():
        fits = sorted({i for name in row.compatible_names for i in match_models(name, rows)})
        if ctx.size.real_parts_for_fleet_only and not fleet & set(fits):
            continue
        brand = row.brand if "|" not in row.brand else "lenovo"
        label = labels[row.category]
        add(
            row.part_number,
            f"{label}, {'; '.join(row.compatible_names)}",
            row.category,
            fits,
            brand,
            row.labour_minutes,
        )
        covered |= {(i, row.category) for i in fits}

    for number, description, family in CHARGERS:
        fits = [i for i in sorted(fleet) if _charger_fits(rows[i], family)]
        if fits:
            add(number, description, "charger", fits, "any", None)

    for i in sorted(fleet):
        for category in _core_categories(rows[i], full=ctx.size.parts is not None):
            if (i, category) not in covered:
                add(
                    *_demo_part(rows, i, category, labels), rows[i].manufacturer.lower(), labour_for(category)
                )
                covered.add((i, category))

    if ctx.size.parts is not None:
        newest_first = sorted(
            fleet, key=lambda i: (rows[i].aue_month is None, rows[i].aue_month), reverse=True
        )
        for category in EXTRA_CATEGORIES:
            for i in newest_first:
                if len(specs) >= ctx.size.parts:
                    break
                if (i, category) not in covered and rows[i].device_type == "chromebook":
                    add(
                        *_demo_part(rows, i, category, labels),
                        rows[i].manufacturer.lower(),
                        labour_for(category),
                    )
                    covered.add((i, category))

    parts = Part.objects.bulk_create([part for part, _ in specs])
    through = Part.compatible_models.through
    through.objects.bulk_create(
        [
            through(part_id=part.pk, devicemodel_id=catalogue.models[i].pk)
            for part, (_, fits) in zip(parts, specs, strict=True)
            for i in fits
        ]
    )
    catalogue.parts = parts
    catalogue.part_fits = [fits for _, fits in specs]
    for index, (part, fits) in enumerate(zip(parts, catalogue.part_fits, strict=True)):
        for i in fits:
            catalogue.fits.setdefault((i, part.category), []).append(index)


def labour_for(category: str) -> int | None:
    row = reference.labour_minutes().get(category)
    return row.median if row else None


def _core_categories(row: reference.ModelRow, *, full: bool) -> list[str]:
    if row.device_type == "windows_laptop":
        return ["lcd_panel", "keyboard", "battery"]
    screen = "touch_screen_assembly" if row.form_factor == "convertible" else "lcd_panel"
    categories = [screen, "palmrest_keyboard_c", "hinge", "battery", "motherboard"]
    return [*categories, "io_board"] if full else categories


def _charger_fits(row: reference.ModelRow, family: str) -> bool:
    if family == "chromebook":
        return row.device_type == "chromebook" and "Latitude" not in row.name
    if family == "3190":
        return "3190" in row.model_codes
    return "Latitude" in row.name and "3190" not in row.model_codes


def _demo_part(
    rows: list[reference.ModelRow], index: int, category: str, labels: dict[str, str]
) -> tuple[str, str, str, list[int]]:
    """(part number, description, category, fits) of an invented part for one model."""
    row = rows[index]
    number = f"DEMO-{_model_slug(row)}-{CATEGORY_CODES[category]}"
    description = f"{labels[category]} for {row.name} (demo part number)"
    return number[:40], description, category, [index]


def _model_slug(row: reference.ModelRow) -> str:
    maker = {"Acer": "ACR", "Dell": "DEL", "Lenovo": "LEN"}[row.manufacturer]
    if row.model_codes:
        return f"{maker}-{row.model_codes[0].replace(' ', '')}"
    words = re.sub(r"[()]", "", row.name.removeprefix(row.manufacturer)).replace("Chromebook", "").split()
    return f"{maker}-" + "-".join(word.upper() for word in words)
