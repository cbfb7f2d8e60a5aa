"""Device, custody event and loan rows: a device ends where its last custody event left it."""

from __future__ import annotations

import datetime as dt

import numpy as np

from demo.services.catalogue import Catalogue
from demo.services.clock import DAY, HOUR, add_months, epoch_day, to_date
from demo.services.context import DemoContext
from demo.services.custody import Loans
from demo.services.devices import MAKERS, NEVER, Fleet
from demo.services.district import District, Staff
from demo.services.tickets import NOT_YET, Tickets
from demo.services.writer import NULL_INT
from fleet.choices import DeviceStatus as D
from fleet.models import CustodyEvent, Device
from repairs.models import Loan

CHROME_M121 = epoch_day(dt.date(2024, 1, 23))  # ChromeOS ships a milestone about every four weeks
BANDS = {"elementary": "Elementary", "middle": "Middle", "high": "High", "special": "Special"}


def warranty_end(fleet: Fleet, catalogue: Catalogue) -> np.ndarray:
    months = np.array([model.warranty_months for model in catalogue.models])[fleet.model]
    keys, inverse = np.unique(np.stack([fleet.purchase_day, months]), axis=1, return_inverse=True)
    ends = np.array(
        [epoch_day(add_months(to_date(day), int(m))) for day, m in keys.T.tolist()], dtype=np.int64
    )
    return ends[inverse.ravel()]


def _pick(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Primary keys for indexes, NULL where the index is -1."""
    return np.where(index >= 0, ids[np.maximum(index, 0)], NULL_INT)


def write_devices(
    ctx: DemoContext,
    fleet: Fleet,
    catalogue: Catalogue,
    district: District,
    staff: Staff,
    custody: dict[str, np.ndarray],
    warranty: np.ndarray,
) -> dict[str, int]:
    """Write the devices in their final state; return how many end in each status."""
    rng = ctx.rng("device-rows")
    clock = ctx.clock
    count = len(fleet)
    order = np.lexsort((np.arange(len(custody["at"])), custody["at"], custody["device"]))
    devices = custody["device"][order]
    last = order[np.append(devices[1:] != devices[:-1], True)]
    first = order[np.insert(devices[1:] != devices[:-1], 0, True)]
    status = custody["to_status"][last]
    location = custody["to_loc"][last]
    custodian = custody["to_cust"][last]
    user_ids = np.array([user.pk for user in staff.users], dtype=np.int64)
    location_ids = np.array([location.pk for location in district.locations], dtype=np.int64)
    rows = catalogue.model_rows
    aue = np.array([epoch_day(row.aue_month) + 27 if row.aue_month else NEVER for row in rows])[fleet.model]

    gone = np.isin(status, [D.RETIRED, D.E_WASTE, D.LOST_STOLEN])
    reference_day = np.minimum(np.minimum(aue, clock.today_day), fleet.retire_day)
    lag = rng.integers(0, 3, count)
    milestone = 121 + (reference_day - CHROME_M121) // 28 - np.where(gone, 0, lag)
    build = 6000 + (milestone - 120) * 62 + rng.integers(0, 6, count)
    patch = rng.integers(20, 240, count)
    windows = np.where(
        np.array(["3190" in row.model_codes for row in rows])[fleet.model],
        "Windows 10 Education 22H2",
        np.where(rng.random(count) < 0.7, "Windows 11 Education 24H2", "Windows 11 Education 23H2"),
    )
    os_version = [
        f"{m}.0.{b}.{p}" if chromebook else w
        for m, b, p, chromebook, w in zip(
            milestone.tolist(),
            build.tolist(),
            patch.tolist(),
            fleet.is_chromebook.tolist(),
            windows.tolist(),
            strict=True,
        )
    ]
    raw = rng.integers(0, 256, (count, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = raw.tobytes().hex()
    google_id = [
        f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}" if chromebook else None
        for h, chromebook in zip(
            (hexes[i * 32 : i * 32 + 32] for i in range(count)), fleet.is_chromebook.tolist(), strict=True
        )
    ]
    retired_at = clock.at(np.minimum(fleet.retire_day, clock.today_day - 1), 11 * HOUR)
    received_at = custody["at"][first]
    last_sync = np.where(
        gone,
        retired_at,
        np.where(status == D.IN_STOCK, received_at + DAY, clock.now - rng.integers(HOUR, 12 * DAY, count)),
    )
    last_sync = np.where(fleet.is_chromebook, last_sync, NULL_INT)

    ctx.writer.write(
        Device,
        {
            "id": fleet.ids,
            "asset_tag": fleet.asset_tag,
            "serial": fleet.serial,
            "manufacturer_id": np.array([catalogue.manufacturers[name].pk for name in MAKERS])[fleet.maker],
            "model_id": np.array([model.pk for model in catalogue.models])[fleet.model],
            "status": status,
            "location_id": location_ids[location],
            "custodian_id": _pick(user_ids, custodian),
            "assignee_kind": fleet.assignee_kind,
            "assignee_id": fleet.assignee_id,
            "is_loaner": fleet.is_loaner,
            "purchase_date": fleet.purchase_day,
            "purchase_order_number": fleet.po_number,
            "warranty_end": warranty,
            "os_version": os_version,
            "google_device_id": google_id,
            "org_unit_path": _org_units(fleet, district, status),
            "last_sync": last_sync,
            "version": np.bincount(custody["device"], minlength=count),
            "created_at": received_at,
            "updated_at": custody["at"][last],
        },
    )
    values, counts = np.unique(status.astype(str), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def _org_units(fleet: Fleet, district: District, status: np.ndarray) -> list[str]:
    """Google Admin organisational units: students by school band, loaners, repair, retired."""
    short = [district.short_name(i) for i in range(len(district.locations))]
    kinds = district.kinds
    out = []
    for chromebook, state, home in zip(
        fleet.is_chromebook.tolist(), status.tolist(), fleet.home.tolist(), strict=True
    ):
        if not chromebook:
            out.append("")
        elif state in (D.LOANER_POOL, D.LOANED_OUT):
            out.append(f"/Devices/Loaners/{short[home]}")
        elif state == D.IN_STOCK:
            out.append("/Devices/Inventory")
        elif state in (D.IN_REPAIR, D.AT_VENDOR):
            out.append("/Devices/Repair")
        elif state == D.LOST_STOLEN:
            out.append("/Devices/Lost")
        elif state in (D.RETIRED, D.E_WASTE):
            out.append("/Devices/Retired")
        elif kinds[home] in BANDS:
            out.append(f"/Students/{BANDS[kinds[home]]}/{short[home]}")
        else:
            out.append(f"/Staff/{short[home]}")
    return out


def write_custody(
    ctx: DemoContext,
    custody: dict[str, np.ndarray],
    fleet: Fleet,
    tickets: Tickets,
    district: District,
    staff: Staff,
    first_id: int,
) -> int:
    user_ids = np.array([user.pk for user in staff.users], dtype=np.int64)
    location_ids = np.array([location.pk for location in district.locations], dtype=np.int64)
    count = len(custody["at"])
    return ctx.writer.write(
        CustodyEvent,
        {
            "id": np.arange(first_id, first_id + count, dtype=np.int64),
            "device_id": fleet.ids[custody["device"]],
            "kind": custody["kind"],
            "occurred_at": custody["at"],
            "actor_id": _pick(user_ids, custody["actor"]),
            "from_location_id": _pick(location_ids, custody["from_loc"]),
            "to_location_id": _pick(location_ids, custody["to_loc"]),
            "from_status": custody["from_status"],
            "to_status": custody["to_status"],
            "from_custodian_id": _pick(user_ids, custody["from_cust"]),
            "to_custodian_id": _pick(user_ids, custody["to_cust"]),
            "from_assignee_id": custody["from_assignee"],
            "to_assignee_id": custody["to_assignee"],
            "ticket_id": _pick(tickets.ids, custody["ticket"]),
            "reason": custody["reason"],
        },
    )


def write_loans(
    ctx: DemoContext, loans: Loans, fleet: Fleet, tickets: Tickets, staff: Staff, first_id: int
) -> int:
    user_ids = np.array([user.pk for user in staff.users], dtype=np.int64)
    back = loans.back_at != NOT_YET
    return ctx.writer.write(
        Loan,
        {
            "id": np.arange(first_id, first_id + len(loans.loaner), dtype=np.int64),
            "loaner_id": fleet.ids[loans.loaner],
            "ticket_id": tickets.ids[loans.ticket],
            "borrower_id": loans.borrower,
            "checked_out_by_id": user_ids[loans.checked_out_by],
            "checked_out_at": loans.out_at,
            "returned_at": np.where(back, loans.back_at, NULL_INT),
            "returned_to_id": np.where(back, user_ids[loans.checked_out_by], NULL_INT),
            "created_at": loans.out_at,
            "updated_at": np.where(back, loans.back_at, loans.out_at),
        },
    )
