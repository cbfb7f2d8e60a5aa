"""Who works each ticket, which part it uses, its texts, and the ticket and ticket event rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accounts.choices import Role
from demo.services import reference
from demo.services.catalogue import Catalogue
from demo.services.context import DemoContext
from demo.services.devices import Fleet
from demo.services.district import District, Staff
from demo.services.tickets import BER, CAUSES, NOT_YET, PATHS, PRIORITIES, SYMPTOMS, TIERS, VENDOR, Tickets
from demo.services.writer import NULL_INT
from repairs.choices import Coverage, PartCategory, TicketEventKind
from repairs.choices import TicketStatus as S
from repairs.models import Ticket, TicketEvent

SCREEN = "screen_assembly"  # the model's own screen: touch assembly on convertibles, else LCD panel
PART_MIX = {
    "screen": [(SCREEN, 0.85), ("lcd_cable", 0.10), ("lcd_bezel", 0.05)],
    "keyboard": [("palmrest_keyboard_c", 0.8), ("keyboard", 0.2)],
    "charger": [("charger", 1.0)],
    "hinge": [("hinge", 0.6), ("lcd_back_cover_a", 0.15), ("bottom_cover_d", 0.15), ("hinge_cover", 0.1)],
    "battery": [("battery", 1.0)],
    "port": [("io_board", 0.6), ("dc_jack", 0.4)],
    "no_power": [("motherboard", 1.0)],
    "liquid": [("motherboard", 0.5), ("palmrest_keyboard_c", 0.5)],
    "camera": [("camera", 1.0)],
    "touchpad": [("touchpad", 1.0)],
    "other": [("speakers", 0.4), ("wifi_card", 0.3), ("", 0.3)],
    "software": [("", 1.0)],
}
FALLBACK = {
    "lcd_cable": SCREEN,
    "lcd_bezel": SCREEN,
    "keyboard": "palmrest_keyboard_c",
    "palmrest_keyboard_c": "keyboard",
    "lcd_back_cover_a": "hinge",
    "bottom_cover_d": "hinge",
    "hinge_cover": "hinge",
    "dc_jack": "io_board",
    "io_board": "dc_jack",
}
PROBLEMS = {
    "screen": [
        "Cracked screen, display unreadable",
        "Screen shows lines and flickers",
        "Dropped; LCD cracked in a corner",
    ],
    "keyboard": [
        "Keys missing or not responding",
        "Several keys sticky after a spill",
        "A row of keys is dead",
    ],
    "charger": [
        "Charger lost or not charging",
        "Charger cable frayed",
        "Will not charge with the school charger",
    ],
    "hinge": [
        "Hinge loose, lid will not stay open",
        "Hinge cracked, housing separating",
        "Lid wobbles; hinge cover broken",
    ],
    "battery": [
        "Battery drains within an hour",
        "Battery not detected",
        "Battery swollen, bottom cover lifting",
    ],
    "port": ["USB-C port loose, charges on and off", "Headphone jack not working", "Charging port damaged"],
    "no_power": [
        "No power, no lights when charging",
        "Powers on but no display",
        "Dead after being left charging",
    ],
    "liquid": ["Liquid spilled on the keyboard", "Water damage after rain", "Juice spilled, device shut off"],
    "camera": ["Camera not detected in video calls", "Camera image is black"],
    "touchpad": ["Touchpad does not click", "Cursor jumps, touchpad erratic"],
    "software": [
        "Stuck in recovery mode",
        "Not enrolled; needs powerwash and re-enrolment",
        "OS verification is off",
    ],
    "other": ["Speakers crackle", "Wi-Fi drops repeatedly", "Missing rubber feet and screws"],
}
NO_PART_FIXES = {
    "software": "Powerwashed, re-enrolled and updated ChromeOS; tested OK.",
    "port": "Reseated the I/O cable; charging and ports tested OK.",
    "other": "Cleaned and reseated connectors; tested OK.",
}


@dataclass
class TicketPlan:
    """Per-ticket columns that depend on people and parts."""

    location: np.ndarray  # location index
    assignee: np.ndarray  # staff index
    reporter: np.ndarray  # staff index
    part: np.ndarray  # part index, -1 for none
    issued_at: np.ndarray  # when the part left stock, NOT_YET if not (yet)
    vendor: np.ndarray  # vendor index into catalogue.vendors, -1 for none


def plan_tickets(
    ctx: DemoContext, tickets: Tickets, fleet: Fleet, district: District, staff: Staff, catalogue: Catalogue
) -> TicketPlan:
    rng = ctx.rng("ticket-people")
    count = len(tickets)
    location = fleet.home[tickets.device].copy()
    location[tickets.refurbishment] = district.depot
    cluster = district.location_cluster[location]
    technicians = np.array(staff.with_role(Role.TECHNICIAN), dtype=np.int64)
    tech_cluster = np.array([staff.clusters[i] for i in technicians], dtype=np.int64)
    tech_grade = np.array([staff.grades[i] for i in technicians], dtype=np.int64)
    assignee = np.empty(count, dtype=np.int64)
    groups = np.where(tickets.refurbishment, -1, cluster)
    min_grade = np.array([18, 20, 23, 23])[tickets.tier]
    for group in np.unique(groups).tolist():
        for grade in (18, 20, 23):
            members = np.flatnonzero((groups == group) & (min_grade == grade))
            if len(members) == 0:
                continue
            in_cluster = technicians if group < 0 else technicians[tech_cluster == group]
            if len(in_cluster) == 0:
                in_cluster = technicians
            qualified = in_cluster[tech_grade[np.searchsorted(technicians, in_cluster)] >= grade]
            pool = qualified if len(qualified) else in_cluster
            assignee[members] = pool[rng.integers(0, len(pool), len(members))]
    admin_at = np.full(len(district.locations), -1, dtype=np.int64)
    for admin, school in staff.school_of_admin.items():
        admin_at[school] = admin
    reporter = np.where((admin_at[location] >= 0) & (rng.random(count) < 0.35), admin_at[location], assignee)

    part = _choose_parts(ctx, tickets, fleet, catalogue)
    started = tickets.time_of(S.IN_PROGRESS)
    issued = (part >= 0) & (started != NOT_YET) & (started + 60 < ctx.clock.now)
    issued_at = np.where(issued, started + 60, NOT_YET)
    depots = [i for i, vendor in enumerate(catalogue.vendors) if vendor.is_repair_depot]
    vendor = np.where(tickets.path == VENDOR, np.array(depots)[rng.integers(0, len(depots), count)], -1)
    return TicketPlan(location, assignee, reporter, part, issued_at, vendor)


def _choose_parts(ctx: DemoContext, tickets: Tickets, fleet: Fleet, catalogue: Catalogue) -> np.ndarray:
    rng = ctx.rng("ticket-parts")
    part = np.full(len(tickets), -1, dtype=np.int64)
    model = fleet.model[tickets.device]
    repairs_in_house = np.isin(tickets.path, [p for p in PATHS if p not in (VENDOR, BER)])
    keys = model * len(SYMPTOMS) + tickets.symptom
    for key in np.unique(keys[repairs_in_house]).tolist():
        m, s = divmod(key, len(SYMPTOMS))
        members = np.flatnonzero(repairs_in_house & (keys == key))
        mix = PART_MIX[SYMPTOMS[s]]
        choice = rng.choice(len(mix), size=len(members), p=[share for _, share in mix])
        for c, (category, _) in enumerate(mix):
            chosen = members[choice == c]
            options = _parts_for(catalogue, m, category)
            if len(chosen) and options:
                part[chosen] = np.array(options)[rng.integers(0, len(options), len(chosen))]
    return part


def _parts_for(catalogue: Catalogue, model: int, category: str, *, fall_back: bool = True) -> list[int]:
    """Parts of ``category`` that fit the model, else those of its fallback category (one step)."""
    if not category:
        return []
    if category == SCREEN:
        convertible = catalogue.model_rows[model].form_factor == "convertible"
        first, second = (
            ("touch_screen_assembly", "lcd_panel") if convertible else ("lcd_panel", "touch_screen_assembly")
        )
        return catalogue.fits.get((model, first)) or catalogue.fits.get((model, second)) or []
    options = catalogue.fits.get((model, category))
    if options or not fall_back or category not in FALLBACK:
        return options or []
    return _parts_for(catalogue, model, FALLBACK[category], fall_back=False)


def write_tickets(
    ctx: DemoContext,
    tickets: Tickets,
    plan: TicketPlan,
    fleet: Fleet,
    district: District,
    staff: Staff,
    catalogue: Catalogue,
    warranty_end: np.ndarray,
) -> None:
    rng = ctx.rng("ticket-rows")
    clock = ctx.clock
    count = len(tickets)
    user_ids = np.array([user.pk for user in staff.users], dtype=np.int64)
    location_ids = np.array([location.pk for location in district.locations], dtype=np.int64)
    status = tickets.current_status()
    last_step = np.take_along_axis(tickets.times, (tickets.steps_done - 1)[:, None], axis=1)[:, 0]
    closed = (status == S.CLOSED) | (status == S.BEYOND_REPAIR)
    finished = tickets.time_of(S.REPAIRED) != NOT_YET
    finished |= status == S.BEYOND_REPAIR
    labour = _labour(ctx, tickets, plan, catalogue)
    labour = np.where(finished, labour, NULL_INT)

    is_vendor = tickets.path == VENDOR
    shipped = np.where(is_vendor, tickets.time_of(S.AT_VENDOR), NOT_YET)
    returned = np.where(is_vendor, tickets.time_of(S.REPAIRED), NOT_YET)
    opened_day, _ = clock.local(tickets.opened)
    covered = warranty_end[tickets.device] >= opened_day
    cause = np.array(CAUSES, dtype=object)[tickets.cause]
    coverage = np.where(
        covered & np.isin(cause, ["warranty_defect", "wear", "unknown"]),
        Coverage.WARRANTY,
        np.where((cause == "accidental") & (rng.random(count) < 0.6), Coverage.ACCIDENTAL_DAMAGE, ""),
    )
    coverage = np.where(is_vendor, coverage, "").astype(object)
    references = np.char.add("RMA-", rng.integers(10_000_000, 99_999_999, count).astype(str)).astype(object)
    vendor_ref = np.where(is_vendor & (shipped != NOT_YET), references, "")
    vendor_ids = np.array([vendor.pk for vendor in catalogue.vendors], dtype=np.int64)

    symptoms = np.array(SYMPTOMS, dtype=object)[tickets.symptom]
    variant = rng.integers(0, 3, count)
    problem = [
        PROBLEMS[symptom][v % len(PROBLEMS[symptom])] + "."
        for symptom, v in zip(symptoms.tolist(), variant.tolist(), strict=True)
    ]
    ctx.writer.write(
        Ticket,
        {
            "id": tickets.ids,
            "device_id": fleet.ids[tickets.device],
            "location_id": location_ids[plan.location],
            "reporter_id": user_ids[plan.reporter],
            "opened_at": tickets.opened,
            "symptom": symptoms,
            "damage_cause": cause,
            "priority": np.array(PRIORITIES, dtype=object)[tickets.priority],
            "tier": np.array(TIERS, dtype=object)[tickets.tier],
            "assignee_id": user_ids[plan.assignee],
            "status": status,
            "problem_summary": problem,
            "resolution_summary": _resolutions(
                tickets, plan, catalogue, status, coverage, vendor_ref, finished
            ),
            "labour_minutes": labour,
            "vendor_id": np.where(plan.vendor >= 0, vendor_ids[np.maximum(plan.vendor, 0)], NULL_INT),
            "vendor_reference": vendor_ref,
            "coverage": coverage,
            "shipped_at": np.where(shipped == NOT_YET, NULL_INT, shipped),
            "vendor_returned_at": np.where(returned == NOT_YET, NULL_INT, returned),
            "closed_at": np.where(closed, last_step, NULL_INT),
            "version": tickets.steps_done,
            "created_at": tickets.opened,
            "updated_at": last_step,
        },
    )


def _labour(ctx: DemoContext, tickets: Tickets, plan: TicketPlan, catalogue: Catalogue) -> np.ndarray:
    rng = ctx.rng("ticket-labour")
    count = len(tickets)
    table = reference.labour_minutes()
    categories = np.array([part.category for part in catalogue.parts] + [""], dtype=object)[plan.part]
    low = np.full(count, 10.0)
    mid = np.full(count, 20.0)
    high = np.full(count, 35.0)
    for category, row in table.items():
        members = categories == category
        low[members], mid[members], high[members] = row.minimum, row.median, row.maximum + 0.01
    charger = categories == "charger"
    low[charger], mid[charger], high[charger] = 3, 5, 10
    minutes = rng.triangular(low, np.minimum(mid, high), np.maximum(high, low + 0.01))
    diagnosis = np.where(charger, 0, rng.integers(5, 16, count))
    minutes = minutes + diagnosis
    minutes = np.where(tickets.path == VENDOR, rng.integers(10, 21, count), minutes)
    minutes = np.where(tickets.path == BER, rng.integers(20, 46, count), minutes)
    return (np.round(minutes / 5) * 5).astype(np.int64).clip(5, 24 * 60)


def _resolutions(
    tickets: Tickets,
    plan: TicketPlan,
    catalogue: Catalogue,
    status: np.ndarray,
    coverage: np.ndarray,
    vendor_ref: np.ndarray,
    finished: np.ndarray,
) -> list[str]:
    labels = dict(PartCategory.choices)
    coverage_labels = dict(Coverage.choices)
    part_text = [
        f"Replaced {labels[p.category].lower()} ({p.part_number}); tested OK." for p in catalogue.parts
    ]
    vendor_names = [vendor.name for vendor in catalogue.vendors]
    out = []
    for i, (done, state, p, path, s) in enumerate(
        zip(
            finished.tolist(),
            status.tolist(),
            plan.part.tolist(),
            tickets.path.tolist(),
            tickets.symptom.tolist(),
            strict=True,
        )
    ):
        if not done:
            out.append("")
        elif state == S.BEYOND_REPAIR:
            out.append("Beyond economical repair: board damage; device retired and kept for parts.")
        elif path == VENDOR:
            terms = coverage_labels.get(coverage[i], "") if coverage[i] else "quote (district paid)"
            out.append(f"Repaired by {vendor_names[plan.vendor[i]]}, {terms.lower()}, {vendor_ref[i]}.")
        elif p >= 0:
            out.append(part_text[p])
        else:
            out.append(NO_PART_FIXES.get(SYMPTOMS[s], NO_PART_FIXES["other"]))
    return out


def write_ticket_events(
    ctx: DemoContext, tickets: Tickets, plan: TicketPlan, staff: Staff, first_id: int
) -> int:
    """One event per status change: "opened" first, then each step the ticket has taken."""
    user_ids = np.array([user.pk for user in staff.users], dtype=np.int64)
    done = tickets.steps_done
    total = int(done.sum())
    row = np.repeat(np.arange(len(tickets)), done)
    starts = np.repeat(np.cumsum(done) - done, done)
    step = np.arange(total) - starts
    width = max(len(path) for path in PATHS.values())
    table = np.full((len(PATHS), width + 1), "", dtype=object)
    for path_id, path in PATHS.items():
        table[path_id, 1 : len(path) + 1] = [str(status) for status in path]
    paths = tickets.path[row]
    ctx.writer.write(
        TicketEvent,
        {
            "id": np.arange(first_id, first_id + total, dtype=np.int64),
            "ticket_id": tickets.ids[row],
            "kind": np.where(step == 0, TicketEventKind.OPENED, TicketEventKind.STATUS_CHANGED).astype(
                object
            ),
            "actor_id": np.where(step == 0, user_ids[plan.reporter[row]], user_ids[plan.assignee[row]]),
            "occurred_at": tickets.times[row, step],
            "from_status": table[paths, step],
            "to_status": table[paths, step + 1],
            "note": np.where(
                table[paths, step + 1] == S.AT_VENDOR, "Shipped to the repair depot.", ""
            ).astype(object),
        },
    )
    return total
