"""Demo students: one for each device the demo lent to a student (same ID, its school), so the
student pages, the scan box and the loaners' borrowers connect. Grade follows the school's kind;
roughly one in forty has left the roster (inactive). Names stay empty: the district's default."""

from __future__ import annotations

import numpy as np

from demo.services.context import DemoContext
from fleet.choices import LocationKind
from fleet.models import Device
from students.models import Student

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
    created = ctx.clock.at(
        np.full(count, ctx.clock.school_year_start(ctx.clock.today)), np.full(count, 8 * 3600)
    )
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
