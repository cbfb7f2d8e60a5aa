"""Demo students: one for each device the demo lent to a student (same ID, its school), so the
student pages, the scan box and the loaners' borrowers connect. Grade follows the school's kind;
roughly one in forty has left the roster (inactive). Names stay empty: the district's default."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from accounts.choices import Role
from accounts.models import User
from core.services.bulk import next_id
from demo.services.clock import epoch_day
from demo.services.context import DemoContext
from fleet.choices import LocationKind
from fleet.models import Device, Location
from repairs.choices import DamageCause
from students.choices import AccessoryKind, SignedBy
from students.models import (
    AccessoryStock,
    Agreement,
    ChargePolicy,
    CollectionWindow,
    FeeRule,
    Handout,
    Student,
)

GRADES: dict[str, list[str]] = {
    LocationKind.ELEMENTARY: ["KG", "01", "02", "03", "04", "05"],
    LocationKind.MIDDLE: ["06", "07", "08"],
    LocationKind.HIGH: ["09", "10", "11", "12"],
    LocationKind.SPECIAL: ["06", "07", "08", "09", "10", "11", "12"],
}


def build_students(ctx: DemoContext, first_id: int) -> int:
    """Write the students of the devices already written; returns how many."""
    rows = list(
        Device.objects.filter(assignee_kind="student")
        .exclude(assignee_id="")
        .order_by("assignee_id")
        .values_list("assignee_id", "location_id", "location__kind")
        .distinct()
    )
    # A student holding two devices keeps the school of the first.
    rows = list(
        {identifier: (identifier, location, kind) for identifier, location, kind in reversed(rows)}.values()
    )
    rows.sort()
    count = len(rows)
    if not count:
        return 0
    rng = ctx.rng("students")
    pick = rng.random(count)
    grades = []
    for (_, _, kind), draw in zip(rows, pick, strict=True):
        choices = GRADES.get(str(kind), [""])
        grades.append(choices[int(draw * len(choices))])
    # The roster came in at the start of the demo's last school year.
    roster_day = epoch_day(dt.date(ctx.clock.school_year_start(ctx.clock.today), 8, 1))
    created = ctx.clock.at(np.full(count, roster_day), np.full(count, 8 * 3600))
    return ctx.writer.write(
        Student,
        {
            "id": np.arange(first_id, first_id + count),
            "created_at": created,
            "updated_at": created,
            "identifier": [row[0] for row in rows],
            "sourced_id": [f"demo-usr-{row[0]}" for row in rows],
            "school_id": np.array([row[1] for row in rows], dtype=np.int64),
            "grade": grades,
            "is_active": rng.random(count) >= 0.025,
        },
    )


# The demo district's one-to-one policy: what a district sets up before its first hand-out day.
DEMO_FEES = [
    # cause, fee, first incident waived, the insurance plan covers it
    (DamageCause.ACCIDENTAL, Decimal("25.00"), True, True),
    (DamageCause.LIQUID, Decimal("50.00"), False, True),
    (DamageCause.INTENTIONAL, Decimal("150.00"), False, False),
    (DamageCause.LOST, Decimal("300.00"), False, False),
]
DEMO_ACCESSORIES = {AccessoryKind.CHARGER: 40, AccessoryKind.CASE: 25, AccessoryKind.STYLUS: 10}
DEMO_AGREEMENT = (
    "The Chromebook, its charger and any case or stylus handed to me belong to the district. "
    "I will keep them charged, carry the device closed and in its case, keep food and drink away "
    "from it, and report damage or loss to the school office within two school days. Accidental "
    "damage is repaired; damage on purpose, liquid damage and loss are charged by the district's "
    "fee schedule. I will bring everything back at the end of the school year or when I leave."
)


# One student device in this many is left assigned by import only, without a hand-out.
IMPORT_ONLY_EVERY = 10


def build_one_to_one_policy(ctx: DemoContext) -> int:
    """The agreement (version 1), the fee schedule and hold, accessories on hand at every school,
    the year-end collection window, and an open hand-out (signed on paper at the start of the
    school year) for every device lent to a demo student but one in ``IMPORT_ONLY_EVERY``, so
    collection has something to take back. Those are left as a real district's are: assigned
    by the Google Admin import, never handed out in the app (collection records the hand-out).
    Returns the number of hand-outs."""
    admin = User.objects.with_role(Role.ADMIN).order_by("pk").first()
    technician = User.objects.with_role(Role.TECHNICIAN).order_by("pk").first()
    if admin is None or technician is None:
        return 0
    agreement = Agreement.objects.create(
        version=1, title="Student device agreement", body=DEMO_AGREEMENT, created_by=admin
    )
    FeeRule.objects.bulk_create(
        FeeRule(damage_cause=cause, amount=fee, first_incident_waived=waived, insurance_covers=insured)
        for cause, fee, waived, insured in DEMO_FEES
    )
    ChargePolicy.objects.create(pk=1, hold_enabled=True, hold_threshold=Decimal("0.00"))
    schools = list(Location.objects.schools().values_list("pk", flat=True))
    AccessoryStock.objects.bulk_create(
        AccessoryStock(location_id=school, kind=kind, on_hand=count)
        for school in schools
        for kind, count in DEMO_ACCESSORIES.items()
    )
    year = ctx.clock.school_year_start(ctx.clock.today)
    CollectionWindow.objects.create(
        name="Year-end collection", starts_on=dt.date(year + 1, 6, 1), ends_on=dt.date(year + 1, 6, 12)
    )
    students = dict(Student.objects.values_list("identifier", "pk"))
    devices = list(
        Device.objects.filter(assignee_kind="student")
        .exclude(assignee_id="")
        .order_by("pk")
        .values_list("pk", "assignee_id")
    )
    pairs = [(device, students[identifier]) for device, identifier in devices if identifier in students]
    # One in IMPORT_ONLY_EVERY keeps only its assignment, as a Google import leaves it.
    pairs = [pair for n, pair in enumerate(pairs) if n % IMPORT_ONLY_EVERY != IMPORT_ONLY_EVERY - 1]
    count = len(pairs)
    if not count:
        return 0
    # Signed on paper on 20 August at 09:00, local time; written by COPY like the other big tables.
    handed_out_at = ctx.clock.at(np.full(count, epoch_day(dt.date(year, 8, 20))), np.full(count, 9 * 3600))
    first_id = next_id(Handout)
    return ctx.writer.write(
        Handout,
        {
            "id": np.arange(first_id, first_id + count),
            "created_at": handed_out_at,
            "updated_at": handed_out_at,
            "student_id": np.array([student for _, student in pairs], dtype=np.int64),
            "device_id": np.array([device for device, _ in pairs], dtype=np.int64),
            "handed_out_at": handed_out_at,
            "handed_out_by_id": np.full(count, technician.pk, dtype=np.int64),
            "agreement_id": np.full(count, agreement.pk, dtype=np.int64),
            "signed_by": [SignedBy.PAPER.value] * count,
            "signed_at": handed_out_at,
        },
    )
