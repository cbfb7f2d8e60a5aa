"""Overtime requests and decisions, recent time entries and weekly timesheets.

Each request and timesheet references the overtime rule in force for the person's grade on the
day (installed by accounts migration 0003): grades 18-20 may work overtime with prior approval,
23-25 may not, so only interns and ITSS I ask for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from accounts.choices import Role
from core.services.bulk import next_id
from demo.services.clock import HOUR, epoch_day
from demo.services.context import DemoContext
from demo.services.district import HOURLY_RATES, District, Staff
from demo.services.writer import NULL_INT
from staff.choices import OvertimeRequestEventKind as E
from staff.choices import OvertimeRequestStatus as R
from staff.choices import TimeEntryKind
from staff.choices import TimesheetStatus as T
from staff.models import OvertimeRequest, OvertimeRequestEvent, OvertimeRule, TimeEntry, Timesheet

PLANNED = [
    "Saturday Chromebook collection at {place}",
    "Charging-cart audit after school at {place}",
    "Testing-week readiness checks at {place}",
    "Evening screen-repair backlog at {place}",
]
EMERGENCY = [
    "Emergency: classroom flooded overnight, recovering devices at {place}",
    "Emergency: break-in reported, securing the device carts at {place}",
]
DENIALS = ["Please schedule this within regular hours.", "No overtime budget left this pay period."]


@dataclass
class RuleBook:
    rules: list[OvertimeRule]

    def for_grade(self, grade: int, day: dt.date) -> OvertimeRule | None:
        """The rule in force: the latest effective row covering the grade, not after the day."""
        matching = [r for r in self.rules if r.grade_min <= grade <= r.grade_max and r.effective_from <= day]
        return max(matching, key=lambda r: r.effective_from, default=None)


def build_overtime(ctx: DemoContext, district: District, staff: Staff) -> dict[str, int]:
    book = RuleBook(list(OvertimeRule.objects.all()))
    places = _places(district, staff)
    requests = _requests(ctx, district, staff, book, places)
    entries = _time_entries(ctx, district, staff, places, requests)
    sheets = _timesheets(ctx, staff, book, entries, requests)
    return {"overtime_requests": len(requests["id"]), "time_entries": len(entries), "timesheets": sheets}


def _places(district: District, staff: Staff) -> dict[int, list[int]]:
    """Location indexes each technician works at: their cluster's schools, or the depot and offices."""
    out = {}
    for i in staff.with_role(Role.TECHNICIAN):
        cluster = staff.clusters[i]
        members = [
            j
            for j, c in enumerate(district.location_cluster.tolist())
            if c == cluster and j in district.schools
        ]
        out[i] = members or [district.depot, *district.offices]
    return out


def _requests(
    ctx: DemoContext, district: District, staff: Staff, book: RuleBook, places: dict[int, list[int]]
) -> dict[str, list]:
    rng = ctx.random("overtime")
    clock = ctx.clock
    today = clock.today
    rows: dict[str, list] = {
        name: []
        for name in (
            "id",
            "requester",
            "work_date",
            "hours",
            "location",
            "reason",
            "emergency",
            "reviewed",
            "status",
            "rule",
            "decider",
            "decided",
            "comment",
            "created",
            "events",
        )
    }
    first = next_id(OvertimeRequest)
    this_saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
    for tech in staff.with_role(Role.TECHNICIAN):
        grade = staff.grades[tech] or 0
        rule = book.for_grade(grade, today)
        lead = staff.supervisor_of.get(tech)
        if rule is None or not rule.eligible or lead is None:
            continue
        demo = staff.users[tech].username.startswith("tech.")
        # The demo intern always has last weekend's emergency waiting for review.
        waiting_review = staff.users[tech].username == "tech.intern"
        for weeks_back in range(20, -3, -1):
            work_date = this_saturday - dt.timedelta(weeks=weeks_back)
            future = work_date >= today
            forced = waiting_review and weeks_back == 1
            if not forced and rng.random() > (0.9 if demo and future else 0.35):
                continue
            emergency = not future and (forced or rng.random() < 0.12)
            place = rng.choice(places[tech])
            template = rng.choice(EMERGENCY if emergency else PLANNED)
            hours = rng.choice([2, 2.5, 3, 4, 5, 6])
            asked = work_date + dt.timedelta(days=1 if emergency else -rng.randint(2, 7))
            if future:
                asked = today - dt.timedelta(days=rng.randint(1, 5))
            asked_at = min(_instant(ctx, asked, 9 * HOUR + rng.randint(0, 7 * HOUR)), clock.now - HOUR)
            if future:
                status = R.PENDING
            elif emergency:
                status = R.PENDING if weeks_back == 1 else R.APPROVED
            else:
                status = rng.choices([R.APPROVED, R.DENIED, R.CANCELLED], weights=[0.78, 0.16, 0.06])[0]
            decided_at = asked_at + rng.randint(2 * HOUR, 30 * HOUR) if status != R.PENDING else None
            if decided_at is not None and decided_at >= clock.now:
                status, decided_at = R.PENDING, None
            events = [(E.REQUESTED, tech, asked_at, "")]
            comment = ""
            if status in (R.APPROVED, R.DENIED):
                assert decided_at is not None  # only a pending request has no decision time
                comment = "Approved." if status == R.APPROVED else rng.choice(DENIALS)
                if emergency:
                    events.append((E.REVIEWED, lead, decided_at, "Emergency work reviewed."))
                events.append((E.APPROVED if status == R.APPROVED else E.DENIED, lead, decided_at, comment))
            elif status == R.CANCELLED:
                assert decided_at is not None
                events.append((E.CANCELLED, tech, decided_at, "No longer needed."))
            rows["id"].append(first + len(rows["id"]))
            for name, value in (
                ("requester", tech),
                ("work_date", work_date),
                ("hours", hours),
                ("location", place),
                ("reason", template.format(place=district.locations[place].name)),
                ("emergency", emergency),
                ("reviewed", decided_at if emergency and status == R.APPROVED else None),
                ("status", status),
                ("rule", book.for_grade(grade, work_date) or rule),
                ("decider", lead if status in (R.APPROVED, R.DENIED) else None),
                ("decided", decided_at if status in (R.APPROVED, R.DENIED) else None),
                ("comment", comment),
                ("created", asked_at),
                ("events", events),
            ):
                rows[name].append(value)
    _write_requests(ctx, district, staff, rows)
    return rows


def _instant(ctx: DemoContext, day: dt.date, seconds: int) -> int:
    return int(ctx.clock.at(np.array([epoch_day(day)]), np.array([seconds]))[0])


def _or_null(values: list) -> np.ndarray:
    return np.array([NULL_INT if v is None else v for v in values], dtype=np.int64)


def _write_requests(ctx: DemoContext, district: District, staff: Staff, rows: dict[str, list]) -> None:
    user_ids = staff.ids(list(range(len(staff.users))))
    location_ids = np.array([location.pk for location in district.locations], dtype=np.int64)
    last_change = [max(at for _, _, at, _ in events) for events in rows["events"]]
    ctx.writer.write(
        OvertimeRequest,
        {
            "id": np.array(rows["id"], dtype=np.int64),
            "requester_id": user_ids[rows["requester"]],
            "work_date": np.array([epoch_day(d) for d in rows["work_date"]], dtype=np.int64),
            "expected_hours": [f"{hours:.2f}" for hours in rows["hours"]],
            "location_id": location_ids[rows["location"]],
            "reason": rows["reason"],
            "is_emergency": rows["emergency"],
            "emergency_reviewed_at": _or_null(rows["reviewed"]),
            "status": [str(status) for status in rows["status"]],
            "rule_id": np.array([rule.pk for rule in rows["rule"]], dtype=np.int64),
            "decided_by_id": _or_null([None if d is None else int(user_ids[d]) for d in rows["decider"]]),
            "decided_at": _or_null(rows["decided"]),
            "decision_comment": rows["comment"],
            "version": np.array([len(events) for events in rows["events"]], dtype=np.int64),
            "created_at": np.array(rows["created"], dtype=np.int64),
            "updated_at": np.array(last_change, dtype=np.int64),
        },
    )
    flat = [
        (request, kind, actor, at, note, rule.pk)
        for request, events, rule in zip(rows["id"], rows["events"], rows["rule"], strict=True)
        for kind, actor, at, note in events
    ]
    first = next_id(OvertimeRequestEvent)
    ctx.writer.write(
        OvertimeRequestEvent,
        {
            "id": np.arange(first, first + len(flat), dtype=np.int64),
            "request_id": np.array([row[0] for row in flat], dtype=np.int64),
            "kind": [str(row[1]) for row in flat],
            "actor_id": user_ids[[row[2] for row in flat]],
            "rule_id": np.array([row[5] for row in flat], dtype=np.int64),
            "comment": [row[4] for row in flat],
            "occurred_at": np.array([row[3] for row in flat], dtype=np.int64),
        },
    )


def _week_start(day: dt.date) -> dt.date:
    """Workweeks start on Sunday (the rule's ``workweek_start``)."""
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _time_entries(
    ctx: DemoContext,
    district: District,
    staff: Staff,
    places: dict[int, list[int]],
    requests: dict[str, list],
) -> list[tuple]:
    rng = ctx.random("time-entries")
    today = ctx.clock.today
    start = _week_start(today) - dt.timedelta(weeks=6)
    entries: list[tuple] = []  # (user, date, kind, hours, mileage, location, request, note)
    for tech, sites in places.items():
        day = start
        while day < today:
            if day.weekday() < 5:
                if rng.random() < 0.04:
                    entries.append((tech, day, TimeEntryKind.LEAVE, 8.0, None, None, None, "Annual leave"))
                else:
                    first, second = rng.choice(sites), rng.choice(sites)
                    travel = rng.choice([0.5, 0.75, 1.0])
                    entries.append(
                        (tech, day, TimeEntryKind.REGULAR, 4.0, None, first, None, "Repairs and triage")
                    )
                    entries.append(
                        (tech, day, TimeEntryKind.REGULAR, 4.0 - travel, None, second, None, "Site visits")
                    )
                    entries.append(
                        (
                            tech,
                            day,
                            TimeEntryKind.TRAVEL,
                            travel,
                            round(rng.uniform(6, 38), 1),
                            second,
                            None,
                            "",
                        )
                    )
            day += dt.timedelta(days=1)
    for i, request in enumerate(requests["id"]):
        if requests["status"][i] == R.APPROVED and start <= requests["work_date"][i] < today:
            kind = TimeEntryKind.EMERGENCY if requests["emergency"][i] else TimeEntryKind.REGULAR
            hours = max(0.25, requests["hours"][i] + rng.choice([-0.5, 0, 0, 0.5]))
            entries.append(
                (
                    requests["requester"][i],
                    requests["work_date"][i],
                    kind,
                    hours,
                    None,
                    requests["location"][i],
                    request,
                    "Overtime",
                )
            )
    user_ids = staff.ids(list(range(len(staff.users))))
    location_ids = np.array([location.pk for location in district.locations], dtype=np.int64)
    first = next_id(TimeEntry)
    logged = [_instant(ctx, row[1], 17 * HOUR) for row in entries]
    ctx.writer.write(
        TimeEntry,
        {
            "id": np.arange(first, first + len(entries), dtype=np.int64),
            "user_id": user_ids[[row[0] for row in entries]],
            "work_date": np.array([epoch_day(row[1]) for row in entries], dtype=np.int64),
            "kind": [str(row[2]) for row in entries],
            "hours": [f"{row[3]:.2f}" for row in entries],
            "mileage": [None if row[4] is None else f"{row[4]:.1f}" for row in entries],
            "location_id": _or_null(
                [None if row[5] is None else int(location_ids[row[5]]) for row in entries]
            ),
            "overtime_request_id": _or_null([row[6] for row in entries]),
            "note": [row[7] for row in entries],
            "created_at": np.array(logged, dtype=np.int64),
            "updated_at": np.array(logged, dtype=np.int64),
        },
    )
    return entries


def _timesheets(
    ctx: DemoContext, staff: Staff, book: RuleBook, entries: list[tuple], requests: dict[str, list]
) -> int:
    """The last four full weeks (three signed off, one submitted) and the open current week."""
    today = ctx.clock.today
    current = _week_start(today)
    weeks = [current - dt.timedelta(weeks=n) for n in range(4, -1, -1)]
    totals: dict[tuple[int, dt.date], list[float]] = {}  # worked, approved overtime, mileage
    for user, day, kind, hours, mileage, _, request, _ in entries:
        key = (user, _week_start(day))
        bucket = totals.setdefault(key, [0.0, 0.0, 0.0])
        if kind != TimeEntryKind.LEAVE:
            bucket[0] += hours
        if request is not None:
            bucket[1] += hours
        bucket[2] += mileage or 0.0
    rows = []
    for tech in staff.with_role(Role.TECHNICIAN):
        grade = staff.grades[tech] or 0
        lead = staff.supervisor_of.get(tech)
        for week in weeks:
            rule = book.for_grade(grade, week)
            if rule is None:
                continue
            worked, approved_hours, mileage = totals.get((tech, week), [0.0, 0.0, 0.0])
            overtime = max(0.0, worked - float(rule.weekly_threshold_hours)) if rule.eligible else 0.0
            approved = min(overtime, approved_hours)
            pay = Decimal(str(overtime)) * Decimal(HOURLY_RATES[grade]) * rule.multiplier
            status = T.OPEN if week == current else T.SUBMITTED if week == weeks[-2] else T.SIGNED_OFF
            signed = _instant(ctx, week + dt.timedelta(days=8), 10 * HOUR) if status == T.SIGNED_OFF else None
            rows.append(
                (
                    tech,
                    week,
                    status,
                    rule.pk,
                    worked,
                    approved,
                    overtime - approved,
                    pay,
                    mileage,
                    lead,
                    signed,
                )
            )
    user_ids = staff.ids(list(range(len(staff.users))))
    first = next_id(Timesheet)
    made = [_instant(ctx, row[1], 8 * HOUR) for row in rows]
    return ctx.writer.write(
        Timesheet,
        {
            "id": np.arange(first, first + len(rows), dtype=np.int64),
            "user_id": user_ids[[row[0] for row in rows]],
            "week_start": np.array([epoch_day(row[1]) for row in rows], dtype=np.int64),
            "status": [str(row[2]) for row in rows],
            "rule_id": np.array([row[3] for row in rows], dtype=np.int64),
            "total_hours": [f"{row[4]:.2f}" for row in rows],
            "overtime_hours_approved": [f"{row[5]:.2f}" for row in rows],
            "overtime_hours_unapproved": [f"{row[6]:.2f}" for row in rows],
            "overtime_pay": [f"{row[7]:.2f}" for row in rows],
            "mileage": [f"{row[8]:.1f}" for row in rows],
            "signed_off_by_id": _or_null(
                [int(user_ids[row[9]]) if row[10] and row[9] is not None else None for row in rows]
            ),
            "signed_off_at": _or_null([row[10] for row in rows]),
            "version": np.array([2 if row[10] else 1 for row in rows], dtype=np.int64),
            "created_at": np.array(made, dtype=np.int64),
            "updated_at": np.array([row[10] or made[i] for i, row in enumerate(rows)], dtype=np.int64),
        },
    )
