"""The fleet as NumPy columns: which model each device is, where it lives, and when it came and went.

Nothing is written here; :mod:`demo.services.history` finishes the devices once the tickets decide
which are in repair and which were beyond repair, then writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from demo.services.catalogue import Catalogue
from demo.services.clock import epoch_day
from demo.services.context import DemoContext
from demo.services.district import District

NEVER = 10**9  # a day number that never comes: not deployed, not retired
MAKERS = ("Acer", "Dell", "Lenovo")
_BASE36 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


@dataclass
class Fleet:
    """One entry per device; indexes are positions, ``ids`` the primary keys to write."""

    ids: np.ndarray
    model: np.ndarray
    maker: np.ndarray  # index into MAKERS
    is_chromebook: np.ndarray
    purchase_day: np.ndarray
    po_number: np.ndarray
    home: np.ndarray  # location index where the device is used (the depot for stock)
    deploy_day: np.ndarray
    retire_day: np.ndarray
    retire_status: np.ndarray  # "", "retired", "e_waste", "lost_stolen"
    is_loaner: np.ndarray
    assignee_kind: np.ndarray
    assignee_id: np.ndarray
    asset_tag: np.ndarray
    serial: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def cohort_counts(
    shares: dict[int, tuple[float, list[tuple[str, float]]]], total: int, last_year: int
) -> list[tuple[int, str, int]]:
    """(year, model name, devices) for each cohort bought up to ``last_year``, summing to ``total``."""
    entries = [
        (year, name, share * weight)
        for year, (share, models) in sorted(shares.items())
        if year <= last_year
        for name, weight in models
    ]
    weights = np.array([weight for _, _, weight in entries])
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    remainder = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return [(year, name, int(count)) for (year, name, _), count in zip(entries, counts, strict=True)]


def build_fleet(ctx: DemoContext, catalogue: Catalogue, district: District, first_id: int) -> Fleet:
    rng = ctx.rng("fleet")
    size, clock = ctx.size, ctx.clock
    today = clock.today
    last_year = today.year if (today.month, today.day) >= (8, 15) else today.year - 1
    staff_total = round(size.devices * size.staff_device_share)
    groups = [
        (*entry, False)
        for entry in cohort_counts(size.chromebook_cohorts, size.devices - staff_total, last_year)
    ]
    groups += [(*entry, True) for entry in cohort_counts(size.staff_cohorts, staff_total, last_year)]

    model_parts, purchase_parts, po_parts, staff_parts = [], [], [], []
    po_sequence: dict[int, int] = {}
    for year, name, count, batch_for_staff in groups:
        if count == 0:
            continue
        batches = -(-count // size.devices_per_po)
        for batch in np.array_split(np.arange(count), batches):
            po_sequence[year] = po_sequence.get(year, 0) + 1
            start = epoch_day(dt.date(year, 6, 10)) + int(rng.integers(0, 60))
            model_parts.append(np.full(len(batch), catalogue.model_index(name), dtype=np.int64))
            purchase_parts.append(np.full(len(batch), start, dtype=np.int64))
            po_parts.append(np.full(len(batch), f"PO-{year}-{po_sequence[year] + 100:04d}", dtype=object))
            staff_parts.append(np.full(len(batch), batch_for_staff))
    model = np.concatenate(model_parts)
    purchase_day = np.concatenate(purchase_parts)
    for_staff = np.concatenate(staff_parts)
    count = len(model)
    rows = catalogue.model_rows
    is_chromebook = np.array([rows[m].device_type == "chromebook" for m in range(len(rows))])[model]
    maker = np.array([MAKERS.index(row.manufacturer) for row in rows])[model]
    aue_day = np.array([_aue_last_day(row.aue_month) for row in rows])[model]

    schools = np.array(district.schools)
    weights = district.device_weight[schools]
    home = schools[rng.choice(len(schools), size=count, p=weights / weights.sum())]
    staff_schools = schools[rng.choice(len(schools), size=count, p=np.sqrt(weights) / np.sqrt(weights).sum())]
    offices = np.array(district.offices)
    at_office = for_staff & ((rng.random(count) < 0.25) | is_chromebook)
    home = np.where(for_staff, staff_schools, home)
    home = np.where(at_office, offices[rng.integers(0, len(offices), count)], home)

    latest = purchase_day.max()
    in_stock = rng.random(count) < np.where(purchase_day >= latest - 90, 0.35, 0.012)
    deploy_day = np.where(in_stock, NEVER, purchase_day + rng.integers(4, 25, count))
    home = np.where(in_stock, district.depot, home)

    retire_day, retire_status = _retirements(
        ctx, rng, model, is_chromebook, purchase_day, deploy_day, aue_day, rows
    )
    school_kind = np.array(district.kinds, dtype=object)[home]
    active_at_school = ~in_stock & (retire_day == NEVER) & is_chromebook & ~for_staff
    is_loaner = active_at_school & (rng.random(count) < 0.025)
    student = (
        is_chromebook
        & ~for_staff
        & ~in_stock
        & ~is_loaner
        & (retire_day == NEVER)
        & ((school_kind != "elementary") | (rng.random(count) < 0.3))
    )
    staff_assigned = for_staff & ~in_stock & (retire_day == NEVER)
    assignee_kind = np.where(student, "student", np.where(staff_assigned, "staff", "")).astype(object)
    assignee_id = np.full(count, "", dtype=object)
    student_ids = rng.choice(9_900_000, size=int(student.sum()), replace=False) + 100_000
    assignee_id[student] = student_ids.astype(str).astype(object)
    staff_ids = rng.choice(900_000, size=int(staff_assigned.sum()), replace=False) + 100_000
    assignee_id[staff_assigned] = np.char.add("E", staff_ids.astype(str)).astype(object)

    asset_tag, serial = _identifiers(ctx, model, maker, is_chromebook, purchase_day, rows)
    return Fleet(
        ids=np.arange(first_id, first_id + count, dtype=np.int64),
        model=model,
        maker=maker,
        is_chromebook=is_chromebook,
        purchase_day=purchase_day,
        po_number=np.concatenate(po_parts),
        home=home,
        deploy_day=deploy_day,
        retire_day=retire_day,
        retire_status=retire_status,
        is_loaner=is_loaner,
        assignee_kind=assignee_kind,
        assignee_id=assignee_id,
        asset_tag=asset_tag,
        serial=serial,
    )


def _aue_last_day(month: dt.date | None) -> int:
    if month is None:
        return NEVER
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return epoch_day(following) - 1


def _retirements(
    ctx: DemoContext,
    rng: np.random.Generator,
    model: np.ndarray,
    is_chromebook: np.ndarray,
    purchase_day: np.ndarray,
    deploy_day: np.ndarray,
    aue_day: np.ndarray,
    rows: list,
) -> tuple[np.ndarray, np.ndarray]:
    """Old models leave the fleet around their AUE date; a few devices of any age are lost."""
    today = ctx.clock.today_day
    count = len(model)
    deployed = deploy_day != NEVER
    past_aue = is_chromebook & (aue_day < today)
    near_aue = is_chromebook & ~past_aue & (aue_day < today + 365)
    windows_10_only = np.array(["3190" in row.model_codes for row in rows])[model]
    aged_out = ~is_chromebook & (purchase_day < today - 6 * 365)
    chance = np.select([past_aue, near_aue, windows_10_only, aged_out], [0.85, 0.3, 0.6, 0.3], default=0.0)
    retired = deployed & (rng.random(count) < chance)
    u = rng.random(count)
    low = np.select(
        [past_aue, windows_10_only], [aue_day - 150, epoch_day(dt.date(2025, 6, 1))], default=today - 330
    )
    high = np.where(past_aue, np.minimum(aue_day + 300, today - 10), today - 10)
    day = (low + u * np.maximum(high - low, 1)).astype(np.int64)
    lost = deployed & ~retired & (rng.random(count) < 0.004)
    lost_day = (deploy_day + 60 + u * np.maximum(today - 1 - deploy_day - 60, 1)).astype(np.int64)
    day = np.where(lost, lost_day, day)
    gone = (retired | lost) & (day > deploy_day + 60) & (day < today)
    retire_day = np.where(gone, day, NEVER)
    old_enough = retire_day < today - 120
    status = np.where(
        lost, "lost_stolen", np.where(old_enough & (rng.random(count) < 0.5), "e_waste", "retired")
    )
    return retire_day, np.where(gone, status, "").astype(object)


def base36(values: np.ndarray, width: int) -> np.ndarray:
    digits = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64).copy()
    for position in range(width - 1, -1, -1):
        digits[:, position] = _BASE36[rest % 36]
        rest //= 36
    return digits.view(f"S{width}").ravel().astype(str).astype(object)


def _identifiers(
    ctx: DemoContext,
    model: np.ndarray,
    maker: np.ndarray,
    is_chromebook: np.ndarray,
    purchase_day: np.ndarray,
    rows: list,
) -> tuple[np.ndarray, np.ndarray]:
    """Asset tags in purchase order, and serials in each manufacturer's format, unique per maker."""
    rng = ctx.rng("identifiers")
    count = len(model)
    asset_tag = np.empty(count, dtype=object)
    for prefix, members in (("CB", is_chromebook), ("LT", ~is_chromebook)):
        index = np.flatnonzero(members)
        index = index[np.argsort(purchase_day[index], kind="stable")]
        numbers = 10_000 + np.cumsum(rng.integers(1, 4, len(index)))
        asset_tag[index] = np.char.add(f"{prefix}-", np.char.zfill(numbers.astype(str), 7)).astype(object)

    serial = np.empty(count, dtype=object)
    dell = np.flatnonzero(maker == MAKERS.index("Dell"))
    serial[dell] = base36(rng.choice(36**7 - 36**6, len(dell), replace=False) + 36**6, 7)
    lenovo = np.flatnonzero(maker == MAKERS.index("Lenovo"))
    prefixes = np.array(["PF", "PW", "R9", "MP"], dtype=object)[rng.integers(0, 4, len(lenovo))]
    serial[lenovo] = prefixes + base36(rng.choice(36**6, len(lenovo), replace=False), 6)
    acer = np.flatnonzero(maker == MAKERS.index("Acer"))
    acer_models = sorted(set(model[acer].tolist()))
    letters = rng.integers(0, 26, (len(rows), 5))
    part_numbers = {
        m: "NX" + "".join(chr(65 + int(c)) for c in letters[m]) + f"{m % 900 + 100:03d}" for m in acer_models
    }
    sequence = rng.choice(16**5, len(acer), replace=False)
    dates = purchase_day[acer].astype("datetime64[D]").astype(object)
    serial[acer] = [
        f"{part_numbers[m]}{day.year % 10}{day.isocalendar()[1]:02d}{seq:05X}7600"
        for m, day, seq in zip(model[acer].tolist(), dates, sequence.tolist(), strict=True)
    ]
    return asset_tag, serial
