"""Custody trails: every device's moves between places, hands and statuses, as NumPy columns.

Each device is received at the depot and (unless still in stock) deployed to its school or
office. Tickets add their moves: to the depot and back for bench repairs (recent ones through a
technician's vehicle), to the vendor and back, a status change for repairs done on site. Old
models retire. A device's status, place and holder are those of its last event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accounts.choices import Role
from demo.services.clock import DAY, HOUR
from demo.services.context import DemoContext
from demo.services.devices import NEVER, Fleet
from demo.services.district import District, Staff
from demo.services.ticket_rows import TicketPlan
from demo.services.tickets import BER, NOT_YET, STANDARD, VENDOR, WAIT, Tickets
from fleet.choices import CustodyEventKind as K
from fleet.choices import DeviceStatus as D
from repairs.choices import TicketStatus as S

COLUMNS = ("device", "kind", "at", "actor", "from_loc", "to_loc", "from_status", "to_status")
OPTIONAL = ("from_cust", "to_cust", "from_assignee", "to_assignee", "ticket", "reason")
INT_COLUMNS = ("actor", "from_loc", "to_loc", "from_cust", "to_cust", "ticket")


@dataclass
class Loans:
    loaner: np.ndarray  # fleet index
    ticket: np.ndarray  # ticket index
    borrower: np.ndarray
    checked_out_by: np.ndarray  # staff index
    out_at: np.ndarray
    back_at: np.ndarray  # NOT_YET while out


class Trail:
    """Collects custody events in batches, then orders them."""

    def __init__(self) -> None:
        self.batches: list[dict[str, np.ndarray]] = []

    def add(self, count: int, **columns: object) -> None:
        if count == 0:
            return
        batch: dict[str, np.ndarray] = {}
        for name in COLUMNS + OPTIONAL:
            default: object = -1 if name in INT_COLUMNS else ""
            value = columns.get(name, default)
            if isinstance(value, np.ndarray):
                batch[name] = value
            elif isinstance(value, str):
                batch[name] = np.full(count, str(value), dtype=object)
            else:
                batch[name] = np.full(count, value, dtype=np.int64)
        self.batches.append(batch)

    def columns(self) -> dict[str, np.ndarray]:
        merged = {
            name: np.concatenate([batch[name] for batch in self.batches]) for name in COLUMNS + OPTIONAL
        }
        order = np.lexsort((np.arange(len(merged["at"])), merged["at"]))
        return {name: values[order] for name, values in merged.items()}


def plan_custody(
    ctx: DemoContext, fleet: Fleet, tickets: Tickets, plan: TicketPlan, district: District, staff: Staff
) -> tuple[dict[str, np.ndarray], Loans]:
    rng = ctx.rng("custody")
    clock = ctx.clock
    trail = Trail()
    count = len(fleet)
    procurement = np.array(staff.with_role(Role.PROCUREMENT), dtype=np.int64)
    technicians = np.array(staff.with_role(Role.TECHNICIAN), dtype=np.int64)
    base = np.where(fleet.is_loaner, D.LOANER_POOL, D.DEPLOYED).astype(object)

    received = clock.at(fleet.purchase_day, 10 * HOUR + rng.integers(0, 4 * HOUR, count))
    trail.add(
        count,
        device=np.arange(count),
        kind=K.RECEIVED,
        at=received,
        actor=procurement[rng.integers(0, len(procurement), count)],
        to_loc=district.depot,
        to_status=D.IN_STOCK,
        reason=np.char.add("Received on ", fleet.po_number.astype(str)).astype(object),
    )
    deployed = np.flatnonzero(fleet.deploy_day != NEVER)
    deployer = _technician_for(rng, staff, technicians, district.location_cluster[fleet.home[deployed]])
    trail.add(
        len(deployed),
        device=deployed,
        kind=K.DEPLOYED,
        at=clock.working(
            clock.at(fleet.deploy_day[deployed], 8 * HOUR + rng.integers(0, 7 * HOUR, len(deployed))), rng
        ),
        actor=deployer,
        from_loc=district.depot,
        to_loc=fleet.home[deployed],
        from_status=D.IN_STOCK,
        to_status=base[deployed],
        to_assignee=fleet.assignee_id[deployed],
        reason="Deployed",
    )
    _ticket_moves(ctx, trail, fleet, tickets, plan, district, base)
    last_move = np.full(count, np.iinfo(np.int64).min, dtype=np.int64)
    for batch in trail.batches:
        np.maximum.at(last_move, batch["device"], batch["at"])
    _retirements(ctx, trail, fleet, tickets, district, technicians, last_move, base)
    loans = _loans(ctx, trail, fleet, tickets, plan, district)
    lent = loans.loaner[loans.back_at == NOT_YET]
    fleet.assignee_kind[lent] = "student"
    fleet.assignee_id[lent] = loans.borrower[loans.back_at == NOT_YET]
    return trail.columns(), loans


def _technician_for(
    rng: np.random.Generator, staff: Staff, technicians: np.ndarray, clusters: np.ndarray
) -> np.ndarray:
    tech_cluster = np.array([staff.clusters[i] for i in technicians])
    out = technicians[rng.integers(0, len(technicians), len(clusters))]
    for cluster in np.unique(clusters).tolist():
        pool = technicians[tech_cluster == cluster]
        members = np.flatnonzero(clusters == cluster)
        if len(pool):
            out[members] = pool[rng.integers(0, len(pool), len(members))]
    return out


def _ticket_moves(
    ctx: DemoContext,
    trail: Trail,
    fleet: Fleet,
    tickets: Tickets,
    plan: TicketPlan,
    district: District,
    base: np.ndarray,
) -> None:
    rng = ctx.rng("custody-tickets")
    now = ctx.clock.now
    device = tickets.device
    home = fleet.home[device]

    def move(members: np.ndarray, kind: str, at: np.ndarray, **columns: object) -> None:
        """Events for the tickets in ``members``, recorded by each ticket's assignee."""
        trail.add(
            len(members),
            device=device[members],
            kind=kind,
            at=at,
            actor=plan.assignee[members],
            ticket=members,
            **columns,
        )

    triaged, returned = tickets.time_of(S.TRIAGED), tickets.time_of(S.RETURNED)
    bench = (tickets.tier >= 1) & np.isin(tickets.path, [STANDARD, WAIT, BER])
    out = np.flatnonzero(bench & (triaged != NOT_YET))
    direct, carried = out[triaged[out] <= now - 60 * DAY], out[triaged[out] > now - 60 * DAY]
    move(
        direct,
        K.TRANSFERRED,
        triaged[direct],
        from_loc=home[direct],
        to_loc=district.depot,
        from_status=base[device[direct]],
        to_status=D.IN_REPAIR,
        reason="Taken to the depot for repair",
    )
    # Recent trips go through the technician's vehicle, so the demo shows who carried what.
    tech = plan.assignee[carried]
    move(
        carried,
        K.VEHICLE_CHECK_OUT,
        triaged[carried],
        from_loc=home[carried],
        to_loc=home[carried],
        to_cust=tech,
        from_status=base[device[carried]],
        to_status=D.IN_REPAIR,
        reason="In the technician's vehicle to the depot",
    )
    # The drive takes 30-90 minutes, and ends before the ticket's next step. A trip still under
    # way at ``now`` leaves the device in the vehicle.
    next_step = tickets.times[carried, 2]  # triaged is step 1 on every bench path
    check_in = np.minimum(triaged[carried] + rng.integers(30 * 60, 90 * 60, len(carried)), next_step - 1)
    arrived = check_in < now
    carried, check_in, tech = carried[arrived], check_in[arrived], tech[arrived]
    move(
        carried,
        K.VEHICLE_CHECK_IN,
        check_in,
        from_loc=home[carried],
        to_loc=district.depot,
        from_cust=tech,
        from_status=D.IN_REPAIR,
        to_status=D.IN_REPAIR,
        reason="Checked in at the depot",
    )
    back = np.flatnonzero(bench & (returned != NOT_YET))
    move(
        back,
        K.TRANSFERRED,
        returned[back],
        from_loc=district.depot,
        to_loc=home[back],
        from_status=D.IN_REPAIR,
        to_status=base[device[back]],
        reason="Returned after repair",
    )

    vendor = tickets.path == VENDOR
    shipped, repaired = tickets.time_of(S.AT_VENDOR), tickets.time_of(S.REPAIRED)
    sent = np.flatnonzero(vendor & (shipped != NOT_YET))
    move(
        sent,
        K.TRANSFERRED,
        shipped[sent],
        from_loc=home[sent],
        to_loc=district.vendor_site,
        from_status=base[device[sent]],
        to_status=D.AT_VENDOR,
        reason="Shipped to the repair depot",
    )
    came = np.flatnonzero(vendor & (repaired != NOT_YET))
    move(
        came,
        K.TRANSFERRED,
        repaired[came],
        from_loc=district.vendor_site,
        to_loc=district.depot,
        from_status=D.AT_VENDOR,
        to_status=D.IN_REPAIR,
        reason="Back from the repair depot",
    )
    again = np.flatnonzero(vendor & (returned != NOT_YET))
    move(
        again,
        K.TRANSFERRED,
        returned[again],
        from_loc=district.depot,
        to_loc=home[again],
        from_status=D.IN_REPAIR,
        to_status=base[device[again]],
        reason="Returned after vendor repair",
    )

    ended = tickets.time_of(S.BEYOND_REPAIR)
    scrapped = np.flatnonzero(ended != NOT_YET)
    move(
        scrapped,
        K.STATUS_CHANGED,
        ended[scrapped],
        from_loc=district.depot,
        to_loc=district.depot,
        from_status=D.IN_REPAIR,
        to_status=D.RETIRED,
        reason="Beyond economical repair",
    )

    moved = np.where(vendor, shipped, np.where(bench, triaged, NOT_YET))
    waiting = np.flatnonzero(tickets.is_open() & (moved == NOT_YET))
    move(
        waiting,
        K.STATUS_CHANGED,
        tickets.opened[waiting],
        from_loc=home[waiting],
        to_loc=home[waiting],
        from_status=base[device[waiting]],
        to_status=D.IN_REPAIR,
        reason="Reported for repair",
    )


def _retirements(
    ctx: DemoContext,
    trail: Trail,
    fleet: Fleet,
    tickets: Tickets,
    district: District,
    technicians: np.ndarray,
    last_move: np.ndarray,
    base: np.ndarray,
) -> None:
    rng = ctx.rng("custody-retirements")
    clock = ctx.clock
    scrapped = np.zeros(len(fleet), dtype=bool)
    scrapped[tickets.device[tickets.time_of(S.BEYOND_REPAIR) != NOT_YET]] = True
    gone = np.flatnonzero((fleet.retire_day != NEVER) & ~scrapped)
    at = clock.at(fleet.retire_day[gone], 11 * HOUR + rng.integers(0, 4 * HOUR, len(gone)))
    at = np.maximum(at, last_move[gone] + HOUR)
    lost = fleet.retire_status[gone] == D.LOST_STOLEN
    status = np.where(lost, D.LOST_STOLEN, D.RETIRED).astype(object)
    home = fleet.home[gone]
    actor = technicians[rng.integers(0, len(technicians), len(gone))]
    trail.add(
        len(gone),
        device=gone,
        kind=K.STATUS_CHANGED,
        at=at,
        actor=actor,
        from_loc=home,
        to_loc=np.where(lost, home, district.depot),
        from_status=base[gone],
        to_status=status,
        from_assignee=fleet.assignee_id[gone],
        reason=np.where(lost, "Reported lost or stolen", "Retired from service").astype(object),
    )
    fleet.assignee_kind[gone] = ""
    fleet.assignee_id[gone] = ""
    recycled = np.flatnonzero(fleet.retire_status == D.E_WASTE)
    retired_at = np.maximum(clock.at(fleet.retire_day[recycled], 11 * HOUR), last_move[recycled])
    at = np.minimum(retired_at + rng.integers(30, 90, len(recycled)) * DAY, clock.now - DAY)
    trail.add(
        len(recycled),
        device=recycled,
        kind=K.STATUS_CHANGED,
        at=np.maximum(at, retired_at + 5 * HOUR),
        actor=technicians[rng.integers(0, len(technicians), len(recycled))],
        from_loc=district.depot,
        to_loc=district.depot,
        from_status=D.RETIRED,
        to_status=D.E_WASTE,
        reason="Sent to the e-waste recycler",
    )


def _loans(
    ctx: DemoContext, trail: Trail, fleet: Fleet, tickets: Tickets, plan: TicketPlan, district: District
) -> Loans:
    """Loaners lent to students whose device left for repair in the last few months."""
    rng = ctx.random("loans")
    now = ctx.clock.now
    recent_ticket = np.zeros(len(fleet), dtype=bool)
    recent_ticket[tickets.device[tickets.opened > now - 150 * DAY]] = True
    ready = fleet.is_loaner & (fleet.retire_day == NEVER) & ~recent_ticket
    free_at: dict[int, dict[int, int]] = {}
    for idle in np.flatnonzero(ready).tolist():
        free_at.setdefault(int(fleet.home[idle]), {})[idle] = int(fleet.deploy_day[idle]) * DAY + DAY
    returned = np.minimum(tickets.time_of(S.RETURNED), tickets.time_of(S.CLOSED))
    open_ = tickets.is_open()
    leaves = (tickets.tier >= 1) | (tickets.path == VENDOR)
    student = fleet.assignee_kind[tickets.device] == "student"
    candidates = np.flatnonzero((tickets.opened > now - 120 * DAY) & leaves & student & (tickets.path != BER))
    candidates = candidates[np.argsort(tickets.opened[candidates], kind="stable")]
    rows: list[tuple[int, int, str, int, int, int]] = []
    for t in candidates.tolist():
        if rng.random() > (0.5 if open_[t] else 0.3):
            continue
        school = int(plan.location[t])
        out_at = int(tickets.opened[t]) + rng.randint(20, 90) * 60
        pool = free_at.get(school, {})
        loaner = next((i for i, free in pool.items() if free < out_at), None)
        if loaner is None:
            continue
        back_at = NOT_YET if open_[t] or returned[t] == NOT_YET else int(returned[t])
        pool[loaner] = back_at
        rows.append(
            (loaner, t, str(fleet.assignee_id[tickets.device[t]]), int(plan.assignee[t]), out_at, back_at)
        )
    if not rows:
        return Loans(*(np.array([], dtype=object if i == 2 else np.int64) for i in range(6)))
    columns = list(zip(*rows, strict=True))
    loans = Loans(
        *(np.array(column, dtype=object if i == 2 else np.int64) for i, column in enumerate(columns))
    )
    trail.add(
        len(rows),
        device=loans.loaner,
        kind=K.LOANED,
        at=loans.out_at,
        actor=loans.checked_out_by,
        from_loc=fleet.home[loans.loaner],
        to_loc=fleet.home[loans.loaner],
        from_status=D.LOANER_POOL,
        to_status=D.LOANED_OUT,
        to_assignee=loans.borrower,
        ticket=loans.ticket,
        reason="Loaner while the student's device is repaired",
    )
    back = np.flatnonzero(loans.back_at != NOT_YET)
    trail.add(
        len(back),
        device=loans.loaner[back],
        kind=K.LOAN_RETURNED,
        at=loans.back_at[back],
        actor=loans.checked_out_by[back],
        from_loc=fleet.home[loans.loaner[back]],
        to_loc=fleet.home[loans.loaner[back]],
        from_status=D.LOANED_OUT,
        to_status=D.LOANER_POOL,
        from_assignee=loans.borrower[back],
        ticket=loans.ticket[back],
        reason="Loaner returned",
    )
    return loans
