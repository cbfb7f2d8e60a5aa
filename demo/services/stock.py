"""The parts ledger: purchase orders received at the depot, kits for technicians, parts issued.

The depot orders monthly up to what the month will use plus a buffer, so its balance never goes
below zero; each technician's kit is filled from the depot six weeks ago and issues from the kit
while it holds the part. Stock levels are then summed from the ledger, so on_hand always equals
the sum of movements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from accounts.choices import Role
from core.services.bulk import next_id
from demo.services.catalogue import Catalogue
from demo.services.clock import DAY, HOUR, epoch_day, to_date, weekday
from demo.services.context import DemoContext
from demo.services.district import District, Staff
from demo.services.ticket_rows import TicketPlan
from demo.services.tickets import NOT_YET, Tickets
from demo.services.writer import NULL_INT
from repairs.choices import PurchaseOrderStatus, StockLocationKind, StockMovementKind
from repairs.models import PurchaseOrder, PurchaseOrderLine, StockLevel, StockLocation, StockMovement

DEPOT = 0  # stock location index of the central depot; kits follow

# (order month or None for an open order, vendor index, status, sent at, expected on day)
OrderRow = tuple[dt.date | None, int, PurchaseOrderStatus, int, int]
# (order row index, part index, quantity ordered, quantity received, unit cost, received at or -1)
LineRow = tuple[int, int, int, int, float, int]


class Orders(TypedDict):
    """What writing the purchase orders returns: line ids and costs for the ledger, order count."""

    line_id: npt.NDArray[np.int64]
    line_cost: npt.NDArray[np.object_]
    orders: int


@dataclass
class Ledger:
    """Movements as columns; ``location`` indexes the stock locations (0 is the depot)."""

    part: list[np.ndarray]
    location: list[np.ndarray]
    kind: list[np.ndarray]
    quantity: list[np.ndarray]
    at: list[np.ndarray]
    ticket: list[np.ndarray]
    line: list[np.ndarray]
    peer: list[np.ndarray]
    actor: list[np.ndarray]

    def add(
        self,
        part: np.ndarray,
        location: np.ndarray | int,
        kind: str,
        quantity: np.ndarray | int,
        at: np.ndarray,
        actor: np.ndarray,
        ticket: np.ndarray | None = None,
        line: np.ndarray | None = None,
        peer: np.ndarray | int = -1,
    ) -> None:
        n = len(part)
        self.part.append(part)
        self.location.append(np.broadcast_to(np.asarray(location, dtype=np.int64), (n,)))
        self.kind.append(np.full(n, kind, dtype=object))
        self.quantity.append(np.broadcast_to(np.asarray(quantity, dtype=np.int64), (n,)))
        self.at.append(at)
        self.actor.append(actor)
        self.ticket.append(ticket if ticket is not None else np.full(n, -1, dtype=np.int64))
        self.line.append(line if line is not None else np.full(n, -1, dtype=np.int64))
        self.peer.append(np.broadcast_to(np.asarray(peer, dtype=np.int64), (n,)))


def build_stock(
    ctx: DemoContext,
    catalogue: Catalogue,
    district: District,
    staff: Staff,
    tickets: Tickets,
    plan: TicketPlan,
) -> dict[str, int]:
    technicians = staff.with_role(Role.TECHNICIAN)
    depot = StockLocation.objects.create(
        code="DEPOT",
        name="Central Repair Depot stores",
        kind=StockLocationKind.DEPOT,
        location=district.locations[district.depot],
    )
    kits = StockLocation.objects.bulk_create(
        [
            StockLocation(
                code=f"KIT-{staff.users[i].username}"[:30],
                name=f"{staff.users[i].get_full_name()}'s kit",
                kind=StockLocationKind.TECHNICIAN_KIT,
                technician=staff.users[i],
            )
            for i in technicians
        ]
    )
    stock_locations = [depot, *kits]
    kit_of = {tech: k + 1 for k, tech in enumerate(technicians)}
    procurement = np.array(staff.with_role(Role.PROCUREMENT), dtype=np.int64)
    ledger = Ledger([], [], [], [], [], [], [], [], [])

    issued = np.flatnonzero(plan.issued_at != NOT_YET)
    issued = issued[np.argsort(plan.issued_at[issued], kind="stable")]
    source = _fill_kits(ctx, ledger, catalogue, staff, plan, issued, kit_of, procurement)
    ledger.add(
        plan.part[issued],
        source,
        StockMovementKind.ISSUED,
        -1,
        plan.issued_at[issued],
        plan.assignee[issued],
        ticket=issued,
    )
    orders = _receipts(ctx, ledger, catalogue, staff, procurement)

    columns = _ledger_columns(ledger)
    order = np.lexsort((np.arange(len(columns["at"])), columns["at"]))
    columns = {name: values[order] for name, values in columns.items()}
    user_ids = staff.ids(list(range(len(staff.users))))
    part_ids = np.array([part.pk for part in catalogue.parts], dtype=np.int64)
    location_ids = np.array([location.pk for location in stock_locations], dtype=np.int64)
    costs = np.array([str(part.unit_cost) for part in catalogue.parts], dtype=object)
    line_costs = orders["line_cost"]
    unit_cost = np.where(
        columns["line"] >= 0, line_costs[np.maximum(columns["line"], 0)], costs[columns["part"]]
    )
    first = next_id(StockMovement)
    count = len(columns["at"])
    ctx.writer.write(
        StockMovement,
        {
            "id": np.arange(first, first + count, dtype=np.int64),
            "part_id": part_ids[columns["part"]],
            "stock_location_id": location_ids[columns["location"]],
            "kind": columns["kind"],
            "quantity": columns["quantity"],
            "unit_cost": unit_cost,
            "ticket_id": np.where(
                columns["ticket"] >= 0, tickets.ids[np.maximum(columns["ticket"], 0)], NULL_INT
            ),
            "purchase_order_line_id": np.where(
                columns["line"] >= 0, orders["line_id"][np.maximum(columns["line"], 0)], NULL_INT
            ),
            "transfer_peer_id": np.where(
                columns["peer"] >= 0, location_ids[np.maximum(columns["peer"], 0)], NULL_INT
            ),
            "reason": np.full(count, "", dtype=object),
            "actor_id": user_ids[columns["actor"]],
            "occurred_at": columns["at"],
        },
    )
    levels = _write_levels(ctx, catalogue, columns, part_ids, location_ids)
    return {"movements": count, "stock_levels": levels, "purchase_orders": orders["orders"]}


def _fill_kits(
    ctx: DemoContext,
    ledger: Ledger,
    catalogue: Catalogue,
    staff: Staff,
    plan: TicketPlan,
    issued: np.ndarray,
    kit_of: dict[int, int],
    procurement: np.ndarray,
) -> np.ndarray:
    """Stock each kit with its technician's usual parts; return the stock location of each issue."""
    clock = ctx.clock
    day = clock.today_day - 42
    day -= int(weekday(np.array([day]))[0])
    filled_at = int(clock.at(np.array([day]), np.array([7 * HOUR]))[0])
    parts, assignees, times = plan.part[issued], plan.assignee[issued], plan.issued_at[issued]
    history = (times < filled_at) & (times >= filled_at - 90 * DAY)
    stock: dict[tuple[int, int], int] = {}
    for tech, kit in kit_of.items():
        used = parts[history & (assignees == tech)]
        if len(used) == 0:
            continue
        values, counts = np.unique(used, return_counts=True)
        top = np.argsort(-counts, kind="stable")[:4]
        for part, uses in zip(values[top].tolist(), counts[top].tolist(), strict=True):
            stock[(kit, part)] = int(min(4, uses // 3 + 1))
    if stock:
        kits = np.array([kit for kit, _ in stock], dtype=np.int64)
        kit_parts = np.array([part for _, part in stock], dtype=np.int64)
        quantity = np.array(list(stock.values()), dtype=np.int64)
        at = np.full(len(stock), filled_at, dtype=np.int64)
        stocker = procurement[np.zeros(len(stock), dtype=np.int64)]
        ledger.add(kit_parts, DEPOT, StockMovementKind.TRANSFER_OUT, -quantity, at, stocker, peer=kits)
        ledger.add(kit_parts, kits, StockMovementKind.TRANSFER_IN, quantity, at, stocker, peer=DEPOT)
    source = np.zeros(len(issued), dtype=np.int64)
    for position in np.flatnonzero(times >= filled_at).tolist():
        key = (kit_of[int(assignees[position])], int(parts[position]))
        if stock.get(key, 0) > 0:
            stock[key] -= 1
            source[position] = key[0]
    return source


def _receipts(
    ctx: DemoContext, ledger: Ledger, catalogue: Catalogue, staff: Staff, procurement: np.ndarray
) -> Orders:
    """Monthly orders up to the month's use plus a buffer, received on the first of the month."""
    rng = ctx.rng("purchase-orders")
    clock = ctx.clock
    columns = _ledger_columns(ledger)
    at_depot = columns["location"] == DEPOT
    local_day, _ = clock.local(columns["at"][at_depot])
    months = _month_index(local_day)
    start_month = _month_index(np.array([clock.start_day]))[0]
    month_count = _month_index(np.array([clock.today_day]))[0] - start_month + 1
    part_count = len(catalogue.parts)
    outflow = np.zeros((part_count, month_count), dtype=np.int64)
    np.add.at(outflow, (columns["part"][at_depot], months - start_month), -columns["quantity"][at_depot])
    pack = np.array([part.pack_size for part in catalogue.parts], dtype=np.int64)
    buffer = np.ceil(outflow.mean(axis=1) * 0.5).astype(np.int64) + 1
    received = np.zeros_like(outflow)
    balance = np.zeros(part_count, dtype=np.int64)
    # This month's order for the busiest real parts of one vendor has not gone out yet: they run
    # low, so the demo's suggested orders have real part numbers to order.
    waiting = _waiting_for_order(catalogue, outflow)
    for month in range(month_count):
        need = np.maximum(outflow[:, month] + buffer - balance, 0)
        received[:, month] = -(-need // pack) * pack
        if month == month_count - 1:
            skip = waiting & (balance >= outflow[:, month])  # the shelf still covers the month
            received[skip, month] = 0
        balance += received[:, month] - outflow[:, month]

    vendors = [part.vendor_id for part in catalogue.parts]
    vendor_index: dict[int | None, int] = {vendor.pk: i for i, vendor in enumerate(catalogue.vendors)}
    part_vendor = np.array([vendor_index[v] for v in vendors], dtype=np.int64)
    costs = np.array([float(part.unit_cost) for part in catalogue.parts])
    lead = np.array([part.lead_time_days for part in catalogue.parts], dtype=np.int64)
    order_rows: list[OrderRow] = []
    line_rows: list[LineRow] = []
    for month in range(month_count):
        first_day = _month_start(start_month + month)
        arrive = int(clock.at(np.array([first_day]), np.array([6 * HOUR]))[0])
        current = month == month_count - 1
        for vendor in np.unique(part_vendor[received[:, month] > 0]).tolist():
            parts = np.flatnonzero((received[:, month] > 0) & (part_vendor == vendor))
            sent = arrive - int(lead[parts].max()) * DAY
            status = PurchaseOrderStatus.PARTIALLY_RECEIVED if current else PurchaseOrderStatus.RECEIVED
            expected = clock.today_day + 7 if current else first_day
            order_rows.append((to_date(first_day), vendor, status, sent, expected))
            for part in parts.tolist():
                got = int(received[part, month])
                ordered = got + (int(pack[part] * max(1, buffer[part] // pack[part])) if current else 0)
                line_rows.append(
                    (len(order_rows) - 1, part, ordered, got, costs[part] * rng.uniform(0.95, 1.05), arrive)
                )
    low = np.flatnonzero((balance <= buffer) & ~waiting)
    for vendor in np.unique(part_vendor[low]).tolist():
        parts = low[part_vendor[low] == vendor]
        sent = clock.now - int(rng.integers(2, 10)) * DAY
        order_rows.append(
            (None, vendor, PurchaseOrderStatus.SENT, sent, clock.today_day + int(lead[parts].max()))
        )
        line_rows += [
            (len(order_rows) - 1, p, int(pack[p] * (buffer[p] // pack[p] + 1)), 0, costs[p], -1)
            for p in parts.tolist()
        ]
    return _write_orders(ctx, ledger, catalogue, staff, procurement, order_rows, line_rows)


def _waiting_for_order(catalogue: Catalogue, outflow: np.ndarray) -> np.ndarray:
    """The real (orderable) parts of the vendor with the most of them, as a mask over parts."""
    real = np.array([not part.is_demo for part in catalogue.parts], dtype=bool)
    vendors = np.array([part.vendor_id or 0 for part in catalogue.parts])
    if not real.any():
        return real
    used = outflow.sum(axis=1) > 0
    counts = {v: int(((vendors == v) & real & used).sum()) for v in sorted(set(vendors[real].tolist()))}
    vendor = max(counts, key=lambda v: counts[v])
    return real & (vendors == vendor) & used


def _write_orders(
    ctx: DemoContext,
    ledger: Ledger,
    catalogue: Catalogue,
    staff: Staff,
    procurement: np.ndarray,
    order_rows: list[OrderRow],
    line_rows: list[LineRow],
) -> Orders:
    rng = ctx.rng("purchase-order-rows")
    clock = ctx.clock
    first_order, first_line = next_id(PurchaseOrder), next_id(PurchaseOrderLine)
    user_ids = staff.ids(list(range(len(staff.users))))
    vendor_ids = np.array([vendor.pk for vendor in catalogue.vendors], dtype=np.int64)
    depot_id = StockLocation.objects.get(code="DEPOT").pk
    numbers: list[str] = []
    seen: dict[str, int] = {}
    for month, vendor, *_ in order_rows:
        stem = f"PO-{month:%Y%m}-{vendor + 1:02d}" if month else f"PO-{clock.today:%Y%m}-{vendor + 1:02d}S"
        seen[stem] = seen.get(stem, 0) + 1
        numbers.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    sent_at = np.array([row[3] for row in order_rows], dtype=np.int64)
    creators = procurement[rng.integers(0, len(procurement), len(order_rows))]
    ctx.writer.write(
        PurchaseOrder,
        {
            "id": np.arange(first_order, first_order + len(order_rows), dtype=np.int64),
            "number": numbers,
            "vendor_id": vendor_ids[[row[1] for row in order_rows]],
            "status": [str(row[2]) for row in order_rows],
            "ship_to_id": np.full(len(order_rows), depot_id, dtype=np.int64),
            "created_by_id": user_ids[creators],
            "sent_at": sent_at,
            "expected_on": np.array([row[4] for row in order_rows], dtype=np.int64),
            "created_at": sent_at - DAY,
            "updated_at": sent_at,
        },
    )
    line_ids = np.arange(first_line, first_line + len(line_rows), dtype=np.int64)
    line_cost = np.array([f"{row[4]:.2f}" for row in line_rows], dtype=object)
    ctx.writer.write(
        PurchaseOrderLine,
        {
            "id": line_ids,
            "order_id": np.array([row[0] for row in line_rows], dtype=np.int64) + first_order,
            "part_id": np.array([catalogue.parts[row[1]].pk for row in line_rows], dtype=np.int64),
            "quantity_ordered": np.array([row[2] for row in line_rows], dtype=np.int64),
            "quantity_received": np.array([row[3] for row in line_rows], dtype=np.int64),
            "unit_cost": line_cost,
        },
    )
    got = np.flatnonzero(np.array([row[3] for row in line_rows], dtype=np.int64) > 0)
    order_of_line = np.array([row[0] for row in line_rows], dtype=np.int64)
    ledger.add(
        np.array([line_rows[i][1] for i in got.tolist()], dtype=np.int64),
        DEPOT,
        StockMovementKind.RECEIVED,
        np.array([line_rows[i][3] for i in got.tolist()], dtype=np.int64),
        np.array([line_rows[i][5] for i in got.tolist()], dtype=np.int64),
        creators[order_of_line[got]],
        line=got,
    )
    return {"line_id": line_ids, "line_cost": line_cost, "orders": len(order_rows)}


def _month_index(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_start(month_index: int) -> int:
    return epoch_day(dt.date(1970 + month_index // 12, month_index % 12 + 1, 1))


def _ledger_columns(ledger: Ledger) -> dict[str, np.ndarray]:
    return {
        name: np.concatenate(getattr(ledger, name))
        for name in ("part", "location", "kind", "quantity", "at", "ticket", "line", "peer", "actor")
    }


def _write_levels(
    ctx: DemoContext,
    catalogue: Catalogue,
    columns: dict[str, np.ndarray],
    part_ids: np.ndarray,
    location_ids: np.ndarray,
) -> int:
    """One level per part at the depot and per part a kit ever held, summed from the ledger."""
    clock = ctx.clock
    keys = columns["location"] * len(part_ids) + columns["part"]
    depot_keys = np.arange(len(part_ids), dtype=np.int64) + DEPOT * len(part_ids)
    unique = np.unique(np.concatenate([keys, depot_keys]))
    on_hand = np.zeros(len(unique), dtype=np.int64)
    np.add.at(on_hand, np.searchsorted(unique, keys), columns["quantity"])
    location, part = np.divmod(unique, len(part_ids))
    year = (columns["kind"] == StockMovementKind.ISSUED) & (columns["at"] > clock.now - 365 * DAY)
    weekly = np.bincount(columns["part"][year], minlength=len(part_ids)) / 52
    lead_weeks = np.array([part.lead_time_days for part in catalogue.parts]) / 7
    depot_point = np.ceil(weekly * (lead_weeks + 1) + 1.65 * np.sqrt(weekly * (lead_weeks + 1))).astype(
        np.int64
    )
    reorder = np.where(location == DEPOT, depot_point[part], 1)
    first = next_id(StockLevel)
    return ctx.writer.write(
        StockLevel,
        {
            "id": np.arange(first, first + len(unique), dtype=np.int64),
            "part_id": part_ids[part],
            "stock_location_id": location_ids[location],
            "on_hand": on_hand,
            "reorder_point": reorder,
        },
    )
