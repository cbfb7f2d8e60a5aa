"""How big each demo district is, and which models each rollout cohort bought."""

from __future__ import annotations

from dataclasses import dataclass

# Student Chromebook cohorts: purchase year -> (share of the fleet, [(model name, weight), ...]).
DISTRICT_CHROMEBOOKS: dict[int, tuple[float, list[tuple[str, float]]]] = {
    2018: (
        0.09,
        [
            ("Lenovo 100e Chromebook (1st gen)", 0.4),
            ("Lenovo 300e Chromebook (1st gen)", 0.3),
            ("Lenovo 500e Chromebook (1st gen)", 0.1),
            ("Dell Chromebook 11 (5190) / 2-in-1 (5190)", 0.2),
        ],
    ),
    2019: (
        0.09,
        [
            ("Dell Chromebook 3100 / 3100 2-in-1", 0.4),
            ("Lenovo 100e Chromebook 2nd Gen MTK", 0.2),
            ("Lenovo 300e Chromebook 2nd Gen MTK", 0.15),
            ("Acer Chromebook 311 (C721)", 0.25),
        ],
    ),
    2020: (
        0.22,
        [
            ("Lenovo 100e Chromebook 2nd Gen (Intel)", 0.25),
            ("Lenovo 100e Chromebook 2nd Gen AST", 0.15),
            ("Lenovo 300e Chromebook 2nd Gen (Intel)", 0.1),
            ("Lenovo 300e Chromebook 2nd Gen AST", 0.05),
            ("Lenovo 500e Chromebook 2nd Gen", 0.05),
            ("Acer Chromebook 311 (C733, C733U, C733T)", 0.25),
            ("Acer Chromebook Spin 511 (R752T, R752TN)", 0.15),
        ],
    ),
    2021: (
        0.14,
        [
            ("Acer Chromebook 311 (C722, C722T)", 0.15),
            ("Lenovo 100e Chromebook 2nd Gen (MT8183)", 0.15),
            ("Acer Chromebook 511 (C734, C734T, C733-R, C733T-R)", 0.3),
            ("Acer Chromebook Spin 511 (R753T, R753TN, R752T-R)", 0.15),
            ("Lenovo 100e Chromebook Gen 3 (Intel)", 0.15),
            ("Acer Chromebook 511 (C741L, C741LT)", 0.1),
        ],
    ),
    2022: (
        0.12,
        [
            ("Lenovo 100e Chromebook Gen 3 (Intel)", 0.3),
            ("Lenovo 100e Chromebook Gen 3 (AMD)", 0.2),
            ("Lenovo 300e Chromebook Gen 3", 0.2),
            ("Lenovo 500e Chromebook Gen 3", 0.1),
            ("Acer Chromebook 511 (C734, C734T, C733-R, C733T-R)", 0.2),
        ],
    ),
    2023: (
        0.1,
        [
            ("Acer Chromebook 511 (C736, C736T, C736L, C736LT)", 0.3),
            ("Lenovo 100e Chromebook Gen 4 (MediaTek)", 0.3),
            ("Lenovo 300e Yoga Chromebook Gen 4", 0.2),
            ("Acer Chromebook Spin 511 (R756T, R756TN, R756LT, R756LTN)", 0.2),
        ],
    ),
    2024: (
        0.1,
        [
            ("Lenovo 100e Chromebook Gen 4 (Intel)", 0.4),
            ("Lenovo 500e Yoga Chromebook Gen 4", 0.2),
            ("Acer Chromebook 511 (C736, C736T, C736L, C736LT)", 0.2),
            ("Acer Chromebook Spin 511 (R756T, R756TN, R756LT, R756LTN)", 0.2),
        ],
    ),
    2025: (
        0.08,
        [
            ("Lenovo 100e Chromebook Gen 4 (Intel)", 0.5),
            ("Acer Chromebook 511 (C736, C736T, C736L, C736LT)", 0.5),
        ],
    ),
    2026: (
        0.06,
        [
            ("Lenovo 100e Chromebook Gen 4 (Intel)", 0.5),
            ("Acer Chromebook 511 (C736, C736T, C736L, C736LT)", 0.5),
        ],
    ),
}

# Staff devices: Dell laptops (and Dell's Chromebook Enterprise for some offices).
DISTRICT_STAFF_DEVICES: dict[int, tuple[float, list[tuple[str, float]]]] = {
    2018: (0.15, [("Dell Latitude 3190 Education", 1.0)]),
    2019: (
        0.3,
        [
            ("Dell Latitude 5400", 0.5),
            ("Dell Latitude 3310 2-in-1", 0.3),
            ("Dell Latitude 5400 Chromebook Enterprise", 0.2),
        ],
    ),
    2021: (0.25, [("Dell Latitude 3120 Education", 1.0)]),
    2023: (0.2, [("Dell Latitude 3140 Education", 1.0)]),
    2025: (0.1, [("Dell Latitude 3140 Education", 0.6), ("Dell Latitude 5400", 0.4)]),
}

# A small district bought fewer kinds of device, so its parts catalogue stays small too.
SMALL_CHROMEBOOKS: dict[int, tuple[float, list[tuple[str, float]]]] = {
    2018: (
        0.12,
        [("Lenovo 100e Chromebook (1st gen)", 0.6), ("Dell Chromebook 11 (5190) / 2-in-1 (5190)", 0.4)],
    ),
    2019: (0.08, [("Lenovo 300e Chromebook 2nd Gen MTK", 1.0)]),
    2020: (
        0.25,
        [("Lenovo 100e Chromebook 2nd Gen (Intel)", 0.6), ("Acer Chromebook 311 (C733, C733U, C733T)", 0.4)],
    ),
    2021: (0.15, [("Acer Chromebook 511 (C734, C734T, C733-R, C733T-R)", 1.0)]),
    2022: (0.12, [("Lenovo 100e Chromebook Gen 3 (Intel)", 1.0)]),
    2023: (0.1, [("Acer Chromebook 511 (C736, C736T, C736L, C736LT)", 1.0)]),
    2024: (0.1, [("Lenovo 100e Chromebook Gen 4 (Intel)", 1.0)]),
    2025: (0.05, [("Lenovo 100e Chromebook Gen 4 (Intel)", 1.0)]),
    2026: (0.03, [("Acer Chromebook 511 (C736, C736T, C736L, C736LT)", 1.0)]),
}

SMALL_STAFF_DEVICES: dict[int, tuple[float, list[tuple[str, float]]]] = {
    2019: (0.5, [("Dell Latitude 5400", 1.0)]),
    2023: (0.5, [("Dell Latitude 3140 Education", 1.0)]),
}


@dataclass(frozen=True)
class StaffMix:
    technicians: dict[int, int]  # grade -> head count
    central_technicians: int  # of the technicians above, how many work the depot and offices
    supervisors: int
    procurement: int
    school_admins: int
    admins: int

    @property
    def total(self) -> int:
        return (
            sum(self.technicians.values())
            + self.supervisors
            + self.procurement
            + self.school_admins
            + self.admins
        )


@dataclass(frozen=True)
class DemoSize:
    name: str
    schools: dict[str, int]  # elementary / middle / high / special
    offices: int
    clusters: int
    devices: int
    staff_device_share: float
    staff: StaffMix
    school_years: int
    tickets: int
    parts: int | None  # catalogue size to fill up to with demo parts; None: only what the fleet needs
    real_parts_for_fleet_only: bool
    chromebook_cohorts: dict[int, tuple[float, list[tuple[str, float]]]]
    staff_cohorts: dict[int, tuple[float, list[tuple[str, float]]]]
    devices_per_po: int


SIZES: dict[str, DemoSize] = {
    "tiny": DemoSize(
        name="tiny",
        schools={"elementary": 2, "middle": 1, "high": 1, "special": 0},
        offices=1,
        clusters=1,
        devices=300,
        staff_device_share=0.08,
        staff=StaffMix({18: 1, 20: 1, 23: 1, 25: 1}, 0, 1, 1, 1, 1),
        school_years=1,
        tickets=400,
        parts=None,
        real_parts_for_fleet_only=True,
        chromebook_cohorts=SMALL_CHROMEBOOKS,
        staff_cohorts=SMALL_STAFF_DEVICES,
        devices_per_po=100,
    ),
    "small": DemoSize(
        name="small",
        schools={"elementary": 5, "middle": 2, "high": 1, "special": 1},
        offices=1,
        clusters=2,
        devices=1_500,
        staff_device_share=0.08,
        staff=StaffMix({18: 2, 20: 3, 23: 2, 25: 1}, 1, 2, 1, 3, 1),
        school_years=2,
        tickets=3_000,
        parts=None,
        real_parts_for_fleet_only=True,
        chromebook_cohorts=SMALL_CHROMEBOOKS,
        staff_cohorts=SMALL_STAFF_DEVICES,
        devices_per_po=250,
    ),
    # A tenth of the district, same shape: to profile and time the loader without the full load.
    "medium": DemoSize(
        name="medium",
        schools={"elementary": 136, "middle": 40, "high": 25, "special": 5},
        offices=2,
        clusters=25,
        devices=25_000,
        staff_device_share=0.08,
        staff=StaffMix({18: 20, 20: 60, 23: 45, 25: 25}, 10, 15, 8, 72, 5),
        school_years=5,
        tickets=100_000,
        parts=400,
        real_parts_for_fleet_only=False,
        chromebook_cohorts=DISTRICT_CHROMEBOOKS,
        staff_cohorts=DISTRICT_STAFF_DEVICES,
        devices_per_po=250,
    ),
    "district": DemoSize(
        name="district",
        schools={"elementary": 136, "middle": 40, "high": 25, "special": 5},
        offices=2,
        clusters=25,
        devices=250_000,
        staff_device_share=0.08,
        staff=StaffMix({18: 20, 20: 60, 23: 45, 25: 25}, 10, 15, 8, 72, 5),
        school_years=5,
        tickets=1_000_000,
        parts=400,
        real_parts_for_fleet_only=False,
        chromebook_cohorts=DISTRICT_CHROMEBOOKS,
        staff_cohorts=DISTRICT_STAFF_DEVICES,
        devices_per_po=2_500,
    ),
}
