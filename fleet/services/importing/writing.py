"""Write a checked plan in bulk: new devices with their "imported" custody event, then updates.

On PostgreSQL the new devices go through ``COPY`` into a temporary staging table (dropped at
commit; those the set-based check settled are read from its own table beside it) and reach
``fleet_device`` by one ``INSERT ... SELECT``, whose
``RETURNING`` feeds their custody events in the same statement; the variant candidates follow by
one more. Every statement runs on Django's cursor inside the import's transaction, so all or
nothing still holds and the history triggers get the caller's pghistory context as the ORM's
writes do (``COPY`` only fills the staging table, which has no history). SQLite creates them
with ``bulk_create``.

Rows were validated column by column while planning (lengths, serial formats, choices) and unique
values were checked against the file and the database in bulk, so ``full_clean()`` per device,
with its per-row uniqueness queries, is skipped on purpose: it would cost 750,000 queries at
district scale. The unique constraints still stand behind this.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.services.bulk import bulk_load, holds_fewer_rows
from fleet.choices import AssigneeKind, CustodyEventKind
from fleet.models import CustodyEvent, Device
from fleet.services.importing.drafts import Draft
from fleet.services.importing.planning import NewRows, Plan, chunked
from fleet.services.importing.progress import NO_PROGRESS, WRITING, Progress
from fleet.services.importing.setbased import clean_new_select
from fleet.services.importing.staging import NOT_NULL_TEXT, STAGED

BATCH = 2000
# New devices (and their events) that outnumber a table's rows, and at least this many, are loaded
# with its indexes, foreign keys and history trigger set aside and rebuilt once at the end
# (core.services.bulk): a district's first import. The table is locked until commit meanwhile.
BULK_ROWS = 20_000
UPDATE_BATCH = 1000
# Changes of place or holder are custody: they bump the version a stale form checks, and get an event.
CUSTODY_FIELDS = frozenset({"location_id", "assignee_kind", "assignee_id"})
# Plans name foreign keys by their column; bulk_update wants the field.
FOREIGN_KEYS = {"model_id": "model", "location_id": "location"}
Candidates = Device.variant_candidates.through


def write_plan(plan: Plan, *, actor: User | None, reason: str, progress: Progress = NO_PROGRESS) -> None:
    """Create the new devices and update the changed ones. Call inside a transaction."""
    now = timezone.now()
    updates = plan.updates
    total = plan.new_count + len(updates)
    try:
        if plan.new.file is not None:
            _copy_new(plan.new, actor=actor, reason=reason, now=now, progress=progress, total=total)
        else:
            new = [draft for draft in plan.new.drafts if draft.row not in plan.new.excluded]
            _create_new(new, actor=actor, reason=reason, now=now, progress=progress, total=total)
    finally:
        plan.new.close()
    _write_updates(updates, actor=actor, reason=reason, now=now)
    progress.update(phase=WRITING, done=total, total=total)
    settled = [draft for draft in updates if "variant_confirmed" in (draft.changes or {})]
    Candidates.objects.filter(device_id__in=[draft.existing_id for draft in settled]).delete()
    _write_candidates((Device(pk=draft.existing_id), draft) for draft in settled)


def _create_new(
    new: Sequence[Draft],
    *,
    actor: User | None,
    reason: str,
    now: dt.datetime,
    progress: Progress,
    total: int,
) -> None:
    done = 0
    for batch in chunked(new, BATCH):
        devices = Device.objects.bulk_create([_new_device(draft) for draft in batch])
        _write_candidates(zip(devices, batch, strict=True))
        CustodyEvent.objects.bulk_create(
            [
                CustodyEvent(
                    device=device,
                    kind=CustodyEventKind.IMPORTED,
                    occurred_at=now,
                    actor=actor,
                    to_location_id=device.location_id,
                    to_status=device.status,
                    to_assignee_id=device.assignee_id,
                    reason=reason,
                )
                for device in devices
            ]
        )
        done += len(batch)
        progress.update(phase=WRITING, done=done, total=total)


STAGING = "import_new_device"


def _copy_new(
    new: NewRows,
    *,
    actor: User | None,
    reason: str,
    now: dt.datetime,
    progress: Progress,
    total: int,
) -> None:
    """COPY the spilled rows into the staging table, then apply them set-based."""
    if not new.count or new.file is None:
        return

    columns = ", ".join(name for name, _ in STAGED)
    with connection.cursor() as cursor:
        # The inserts sort every staged row: in memory rather than in temporary files.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Dropped at the end as well as at commit: an outer transaction may import twice.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} ({', '.join(f'{n} {t}' for n, t in STAGED)}) ON COMMIT DROP"
        )
        new.file.flush()
        new.file.seek(0)
        # The driver's cursor: Django's has no COPY. The staging table has no history to attach.
        cursor.cursor.copy_expert(
            f"COPY {STAGING} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({NOT_NULL_TEXT}))",
            new.file,
            size=1024 * 1024,
        )
        progress.update(phase=WRITING, done=0, total=total)
        if new.excluded:
            cursor.execute(f"DELETE FROM {STAGING} WHERE row = ANY(%s)", [sorted(new.excluded)])
        source, params = STAGING, {}
        if new.staged:
            source = f"(SELECT {columns} FROM {STAGING} UNION ALL {clean_new_select()})"
            params = {"student_kind": AssigneeKind.STUDENT.value, "excluded": sorted(new.excluded)}
        rows = new.count - len(new.excluded)
        with bulk_load(_bulk_models(rows), rows=rows):
            _apply_new(cursor, source, params, actor=actor, reason=reason, now=now)
        cursor.execute(f"DROP TABLE {STAGING}")
    progress.update(phase=WRITING, done=new.count - len(new.excluded), total=total)


def _bulk_models(rows: int) -> list[type[Device] | type[CustodyEvent]]:
    """The tables a load of ``rows`` new devices outnumbers, at least ``BULK_ROWS`` of them."""
    if rows < BULK_ROWS:
        return []
    return [model for model in (Device, CustodyEvent) if holds_fewer_rows(model, rows)]


def _apply_new(
    cursor: Any, source: str, params: dict[str, Any], *, actor: User | None, reason: str, now: dt.datetime
) -> None:
    """Insert the devices ``source`` holds (the staging table, or it and the set-based check's new
    rows), their "imported" events and their variant candidates (staged only by ``planning``)."""
    devices, events = Device._meta.db_table, CustodyEvent._meta.db_table
    set_columns = [name for name, _ in STAGED if name not in ("row", "candidate_ids")]
    constants = ["is_loaner", "notes", "version", "custodian_id", "variant_confirmed_by_id"]
    constants += ["variant_confirmed_at", "created_at", "updated_at"]
    cursor.execute(
        f"""
        WITH inserted AS (
            INSERT INTO {devices} ({", ".join(set_columns + constants)})
            SELECT {", ".join(set_columns)}, false, '', 1, NULL, NULL, NULL, %(now)s, %(now)s
            FROM {source} staged ORDER BY row
            RETURNING id, location_id, status, assignee_id
        )
        INSERT INTO {events} (
            device_id, kind, occurred_at, actor_id, from_location_id, to_location_id, from_status,
            to_status, from_custodian_id, to_custodian_id, from_assignee_id, to_assignee_id,
            ticket_id, reason
        )
        SELECT id, %(kind)s, %(now)s, %(actor)s, NULL, location_id, '', status, NULL, NULL, '',
            assignee_id, NULL, %(reason)s
        FROM inserted ORDER BY id
        """,
        {
            **params,
            "now": now,
            "kind": CustodyEventKind.IMPORTED,
            "actor": actor.pk if actor else None,
            "reason": reason,
        },
    )
    cursor.execute(
        f"""
        INSERT INTO {Candidates._meta.db_table} (device_id, devicemodel_id)
        SELECT device.id, unnest(staged.candidate_ids)
        FROM {STAGING} staged
        JOIN {devices} device
            ON device.manufacturer_id = staged.manufacturer_id AND device.serial = staged.serial
        WHERE staged.candidate_ids IS NOT NULL
        """
    )


def _write_candidates(pairs: Iterable[tuple[Device, Draft]]) -> None:
    Candidates.objects.bulk_create(
        [
            Candidates(device_id=device.pk, devicemodel_id=model_id)
            for device, draft in pairs
            for model_id in draft.candidate_ids or ()
        ],
        batch_size=BATCH,
    )


def _new_device(draft: Draft) -> Device:
    kind, assignee_id = draft.assignee or ("", "")
    assert draft.manufacturer_id is not None and draft.model_id is not None  # a new row without problems
    assert draft.location_id is not None
    return Device(
        asset_tag=draft.asset_tag,
        serial=draft.serial,
        manufacturer_id=draft.manufacturer_id,
        model_id=draft.model_id,
        status=draft.status,
        location_id=draft.location_id,
        assignee_kind=kind,
        assignee_id=assignee_id,
        variant_confirmed=draft.candidate_ids is None,
        **draft.values,
    )


def _write_updates(drafts: list[Draft], *, actor: User | None, reason: str, now: dt.datetime) -> None:
    # bulk_update writes every listed field of every object, so group rows by what changed.
    groups: dict[frozenset[str], list[Draft]] = defaultdict(list)
    for draft in drafts:
        groups[frozenset(draft.changes or ())].append(draft)
    events = []
    for changed, group in groups.items():
        custody = bool(changed & CUSTODY_FIELDS)
        fields = [FOREIGN_KEYS.get(name, name) for name in changed]
        fields.append("updated_at")
        if custody:
            fields.append("version")
        devices = []
        for draft in group:
            device = Device(pk=draft.existing_id, updated_at=now, **(draft.changes or {}))
            if custody:
                device.version = F("version") + 1  # type: ignore[assignment]
                events.append(_custody_event(draft, actor=actor, reason=reason, now=now))
            devices.append(device)
        Device.objects.bulk_update(devices, sorted(fields), batch_size=UPDATE_BATCH)
    CustodyEvent.objects.bulk_create(events, batch_size=BATCH)


def _custody_event(draft: Draft, *, actor: User | None, reason: str, now: dt.datetime) -> CustodyEvent:
    before = draft.before
    assert before is not None and draft.existing_id is not None
    changes = draft.changes or {}
    return CustodyEvent(
        device_id=draft.existing_id,
        kind=CustodyEventKind.IMPORTED,
        occurred_at=now,
        actor=actor,
        from_location_id=before.location_id,
        to_location_id=changes.get("location_id", before.location_id),
        from_status=before.status,
        to_status=before.status,
        from_custodian_id=before.custodian_id,
        to_custodian_id=before.custodian_id,
        from_assignee_id=before.assignee_id,
        to_assignee_id=changes.get("assignee_id", before.assignee_id),
        reason=reason,
    )
