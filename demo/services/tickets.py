"""Repair tickets as NumPy columns: when, which device, what broke, and each status change's time.

Volume follows the school calendar and the installed base; the symptom mix, damage causes and
tiers follow PRODUCT.md. A ticket walks a path of statuses; steps whose time falls after the
clock's ``now`` have not happened yet, which leaves a realistic tail of open tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.services.clock import DAY, HOUR, WORKDAY_START, daily_ticket_weights
from demo.services.context import DemoContext
from demo.services.devices import NEVER, Fleet
from repairs.choices import OPEN_TICKET_STATUSES
from repairs.choices import TicketStatus as S

SYMPTOMS = [
    "screen",
    "keyboard",
    "charger",
    "hinge",
    "battery",
    "port",
    "no_power",
    "other",
    "software",
    "camera",
    "touchpad",
    "liquid",
]
SYMPTOM_MIX = [0.45, 0.15, 0.12, 0.10, 0.05, 0.05, 0.04, 0.015, 0.01, 0.005, 0.005, 0.005]
CAUSES = ["accidental", "intentional", "wear", "liquid", "unknown", "warranty_defect"]
CAUSE_MIX = {
    "screen": [0.70, 0.08, 0.05, 0.0, 0.12, 0.05],
    "keyboard": [0.30, 0.10, 0.40, 0.10, 0.10, 0.0],
    "charger": [0.20, 0.05, 0.50, 0.0, 0.25, 0.0],
    "hinge": [0.50, 0.05, 0.35, 0.0, 0.10, 0.0],
    "battery": [0.0, 0.0, 0.60, 0.0, 0.10, 0.30],
    "port": [0.30, 0.0, 0.50, 0.0, 0.10, 0.10],
    "no_power": [0.0, 0.0, 0.0, 0.25, 0.35, 0.40],
    "other": [0.40, 0.0, 0.0, 0.0, 0.60, 0.0],
    "software": [0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    "camera": [0.30, 0.0, 0.0, 0.0, 0.30, 0.40],
    "touchpad": [0.30, 0.0, 0.40, 0.0, 0.0, 0.30],
    "liquid": [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
}
TIERS = ["first", "second", "third", "vendor"]
TIER_MIX = {
    "screen": [0.55, 0.35, 0.05, 0.05],
    "keyboard": [0.40, 0.45, 0.0, 0.15],
    "charger": [1.0, 0.0, 0.0, 0.0],
    "hinge": [0.30, 0.60, 0.0, 0.10],
    "battery": [0.0, 0.70, 0.0, 0.30],
    "port": [0.0, 0.50, 0.30, 0.20],
    "no_power": [0.0, 0.0, 0.50, 0.50],
    "other": [0.50, 0.40, 0.10, 0.0],
    "software": [0.90, 0.10, 0.0, 0.0],
    "camera": [0.0, 0.80, 0.0, 0.20],
    "touchpad": [0.0, 0.80, 0.0, 0.20],
    "liquid": [0.0, 0.0, 0.40, 0.60],
}
PRIORITIES = ["low", "normal", "high", "urgent"]
PRIORITY_MIX = [0.05, 0.80, 0.12, 0.03]

QUICK, STANDARD, WAIT, VENDOR, BER = range(5)
PATHS = {
    QUICK: [S.NEW, S.IN_PROGRESS, S.REPAIRED, S.CLOSED],
    STANDARD: [S.NEW, S.TRIAGED, S.IN_PROGRESS, S.REPAIRED, S.RETURNED, S.CLOSED],
    WAIT: [S.NEW, S.TRIAGED, S.WAITING_FOR_PARTS, S.IN_PROGRESS, S.REPAIRED, S.RETURNED, S.CLOSED],
    VENDOR: [S.NEW, S.TRIAGED, S.AT_VENDOR, S.REPAIRED, S.RETURNED, S.CLOSED],
    BER: [S.NEW, S.TRIAGED, S.IN_PROGRESS, S.BEYOND_REPAIR],
}
MAX_STEPS = max(len(path) for path in PATHS.values())
NOT_YET = np.iinfo(np.int64).max


@dataclass
class Tickets:
    ids: np.ndarray
    opened: np.ndarray  # instant
    device: np.ndarray  # fleet index
    symptom: np.ndarray  # index into SYMPTOMS
    cause: np.ndarray
    tier: np.ndarray
    priority: np.ndarray
    path: np.ndarray
    times: np.ndarray  # (tickets, MAX_STEPS) instants; NOT_YET past the path or after now
    steps_done: np.ndarray  # how many steps of the path have happened
    refurbishment: np.ndarray  # summer collection at the depot

    def __len__(self) -> int:
        return len(self.ids)

    def status_index(self) -> np.ndarray:
        return self.steps_done - 1

    def step_of(self, status: S) -> np.ndarray:
        """Per ticket, the path position of ``status`` (-1 when its path has none)."""
        result = np.full(len(self), -1, dtype=np.int64)
        for path_id, path in PATHS.items():
            if status in path:
                result[self.path == path_id] = path.index(status)
        return result

    def time_of(self, status: S) -> np.ndarray:
        """When each ticket reached ``status`` (NOT_YET if it has not, or never will)."""
        step = self.step_of(status)
        found = (step >= 0) & (step < self.steps_done)
        out = np.full(len(self), NOT_YET, dtype=np.int64)
        out[found] = self.times[np.flatnonzero(found), step[found]]
        return out

    def current_status(self) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        for path_id, path in PATHS.items():
            members = np.flatnonzero(self.path == path_id)
            out[members] = np.array([str(status) for status in path], dtype=object)[
                self.steps_done[members] - 1
            ]
        return out

    def is_open(self) -> np.ndarray:
        """Still with the repair team; "returned" tickets are back with their user, awaiting close."""
        return np.isin(self.current_status(), [str(status) for status in OPEN_TICKET_STATUSES])


def build_tickets(ctx: DemoContext, fleet: Fleet, first_id: int) -> Tickets:
    rng = ctx.rng("tickets")
    clock = ctx.clock
    deployed = np.flatnonzero(fleet.deploy_day != NEVER)
    by_deploy = deployed[np.argsort(fleet.deploy_day[deployed], kind="stable")]
    sorted_deploy = fleet.deploy_day[by_deploy]
    sorted_retire = np.sort(fleet.retire_day[deployed])
    days = np.arange(clock.start_day, clock.today_day, dtype=np.int64)
    active = np.searchsorted(sorted_deploy, days, "right") - np.searchsorted(sorted_retire, days, "right")
    weights = daily_ticket_weights(clock, clock.start_day, clock.today_day) * active
    per_day = rng.multinomial(ctx.size.tickets, weights / weights.sum())
    day = np.repeat(days, per_day)
    count = len(day)
    seconds = WORKDAY_START + (rng.beta(1.6, 2.2, count) * 8 * HOUR).astype(np.int64)
    opened = clock.at(day, seconds)
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    day_of_month = (day.astype("datetime64[D]") - day.astype("datetime64[D]").astype("datetime64[M]")).astype(
        np.int64
    )
    summer = (month == 6) | ((month == 7) & (day_of_month < 14))
    refurbishment = summer & (rng.random(count) < 0.7)

    symptom = rng.choice(len(SYMPTOMS), size=count, p=SYMPTOM_MIX)
    cause = np.empty(count, dtype=np.int64)
    tier = np.empty(count, dtype=np.int64)
    for s, name in enumerate(SYMPTOMS):
        members = np.flatnonzero(symptom == s)
        cause[members] = rng.choice(len(CAUSES), size=len(members), p=CAUSE_MIX[name])
        tier[members] = rng.choice(len(TIERS), size=len(members), p=TIER_MIX[name])
    priority = rng.choice(len(PRIORITIES), size=count, p=PRIORITY_MIX)
    path = np.select(
        [tier == 3, tier == 0],
        [VENDOR, np.where(rng.random(count) < 0.7, QUICK, STANDARD)],
        default=np.where(rng.random(count) < 0.15, WAIT, STANDARD),
    )
    tickets = Tickets(
        ids=np.arange(first_id, first_id + count, dtype=np.int64),
        opened=opened,
        device=np.full(count, -1, dtype=np.int64),
        symptom=symptom,
        cause=cause,
        tier=tier,
        priority=priority,
        path=path,
        times=np.full((count, MAX_STEPS), NOT_YET, dtype=np.int64),
        steps_done=np.zeros(count, dtype=np.int64),
        refurbishment=refurbishment,
    )
    _walk(ctx, tickets, np.arange(count), "walk")
    _pick_devices(ctx, tickets, fleet, by_deploy, sorted_deploy, day)
    _beyond_repair(ctx, tickets, fleet)
    return tickets


def _gamma_hours(rng: np.random.Generator, shape: float, hours: float, size: int) -> np.ndarray:
    return (rng.gamma(shape, hours, size) * HOUR).astype(np.int64)


def _walk(ctx: DemoContext, tickets: Tickets, members: np.ndarray, stream: str) -> None:
    """Give each ticket in ``members`` a time for every step of its path (and count the past ones)."""
    rng = ctx.rng(stream)
    clock = ctx.clock
    for path_id, path in PATHS.items():
        rows = members[tickets.path[members] == path_id]
        n = len(rows)
        if n == 0:
            continue
        times = np.full((n, MAX_STEPS), NOT_YET, dtype=np.int64)
        times[:, 0] = tickets.opened[rows]
        for k in range(1, len(path)):
            previous, status = path[k - 1], path[k]
            if status == S.TRIAGED:
                wait = _gamma_hours(rng, 1.2, 14, n)
            elif status == S.IN_PROGRESS and previous == S.WAITING_FOR_PARTS:
                # Most parts arrive within two weeks; back-orders take up to six.
                wait = np.where(
                    rng.random(n) < 0.2,
                    rng.integers(14 * DAY, 42 * DAY, n),
                    rng.integers(3 * DAY, 14 * DAY, n),
                )
            elif status == S.IN_PROGRESS:
                wait = _gamma_hours(rng, 1.0, 6, n) if previous == S.NEW else _gamma_hours(rng, 1.5, 20, n)
            elif status == S.REPAIRED and previous == S.AT_VENDOR:
                wait = rng.integers(10 * DAY, 45 * DAY, n)
            elif status in (S.WAITING_FOR_PARTS, S.AT_VENDOR):
                wait = _gamma_hours(rng, 1.5, 8, n)
            elif status == S.REPAIRED:
                wait = _gamma_hours(rng, 1.2, 10, n)
            elif status == S.BEYOND_REPAIR:
                wait = _gamma_hours(rng, 1.5, 24, n)
            elif status == S.RETURNED:
                # Some repaired devices wait on the shelf until the student is back in school.
                late = rng.random(n) < 0.08
                wait = np.where(late, rng.integers(5 * DAY, 25 * DAY, n), _gamma_hours(rng, 1.5, 12, n))
            else:  # closed
                wait = _gamma_hours(rng, 1.0, 4, n)
            snapped = clock.working(times[:, k - 1] + wait + 60, rng)
            times[:, k] = np.maximum(snapped, times[:, k - 1] + 60)
        done = (times < clock.now).sum(axis=1)
        times[times >= clock.now] = NOT_YET
        tickets.times[rows] = times
        tickets.steps_done[rows] = done


def _pick_devices(
    ctx: DemoContext,
    tickets: Tickets,
    fleet: Fleet,
    by_deploy: np.ndarray,
    sorted_deploy: np.ndarray,
    day: np.ndarray,
) -> None:
    """A device in service on the day, staff laptops less often; each open ticket on its own device."""
    rng = ctx.rng("ticket-devices")
    limit = np.searchsorted(sorted_deploy, day, "right")
    pending = np.flatnonzero(limit > 0)
    for _ in range(500):
        if len(pending) == 0:
            break
        candidate = by_deploy[(rng.random(len(pending)) * limit[pending]).astype(np.int64)]
        fits = fleet.retire_day[candidate] > day[pending] + 60
        fits &= fleet.is_chromebook[candidate] | (rng.random(len(pending)) < 0.3)
        tickets.device[pending[fits]] = candidate[fits]
        pending = pending[~fits]
    tickets.device[tickets.device < 0] = by_deploy[0]

    today = ctx.clock.today_day
    for _ in range(50):
        order = np.lexsort((tickets.opened, tickets.device))
        last = np.ones(len(order), dtype=bool)
        last[:-1] = tickets.device[order[1:]] != tickets.device[order[:-1]]
        is_last = np.empty(len(order), dtype=bool)
        is_last[order] = last
        open_ = tickets.is_open()
        # An open ticket must be its device's latest, after every earlier repair has finished.
        ended = np.take_along_axis(tickets.times, (tickets.steps_done - 1)[:, None], axis=1)[:, 0]
        closed_end = np.full(len(fleet), np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(closed_end, tickets.device[~open_], ended[~open_])
        overlaps = closed_end[tickets.device] >= tickets.opened
        retired = fleet.retire_day[tickets.device] <= today
        conflict = np.flatnonzero(open_ & (~is_last | retired | overlaps))
        if len(conflict) == 0:
            return
        latest = np.full(len(fleet), np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(latest, tickets.device, tickets.opened)
        busy = np.zeros(len(fleet), dtype=bool)
        busy[tickets.device[open_]] = True
        candidate = by_deploy[(rng.random(len(conflict)) * limit[conflict]).astype(np.int64)]
        opened = tickets.opened[conflict]
        fits = (latest[candidate] < opened) & (closed_end[candidate] < opened) & ~busy[candidate]
        fits &= fleet.retire_day[candidate] > today
        _, first = np.unique(candidate, return_index=True)
        unique = np.zeros(len(candidate), dtype=bool)
        unique[first] = True
        chosen = conflict[fits & unique]
        tickets.device[chosen] = candidate[fits & unique]
    raise RuntimeError("Could not give every open ticket a device of its own.")


def _beyond_repair(ctx: DemoContext, tickets: Tickets, fleet: Fleet) -> None:
    """About 3% of tickets end beyond economical repair: a device's last ticket, long closed."""
    rng = ctx.rng("beyond-repair")
    order = np.lexsort((tickets.opened, tickets.device))
    is_last = np.ones(len(order), dtype=bool)
    is_last[order[:-1]] = tickets.device[order[1:]] != tickets.device[order[:-1]]
    serious = np.isin(tickets.symptom, [SYMPTOMS.index(s) for s in ("screen", "no_power", "liquid", "hinge")])
    old_enough = tickets.opened < ctx.clock.now - 45 * DAY
    candidates = np.flatnonzero(is_last & serious & old_enough & (tickets.path != VENDOR))
    if len(candidates) == 0:
        return
    share = min(1.0, 0.03 * len(tickets) / len(candidates))
    chosen = candidates[rng.random(len(candidates)) < share]
    tickets.path[chosen] = BER
    tickets.tier[chosen] = np.maximum(tickets.tier[chosen], 1)
    tickets.times[chosen] = NOT_YET
    _walk(ctx, tickets, chosen, "walk-beyond-repair")
    ended = chosen[tickets.steps_done[chosen] == len(PATHS[BER])]
    devices = tickets.device[ended]
    end_day, _ = ctx.clock.local(tickets.times[ended, len(PATHS[BER]) - 1])
    fleet.retire_day[devices] = end_day
    old = end_day < ctx.clock.today_day - 120
    fleet.retire_status[devices] = np.where(old & (rng.random(len(devices)) < 0.5), "e_waste", "retired")
    fleet.assignee_kind[devices] = ""
    fleet.assignee_id[devices] = ""
