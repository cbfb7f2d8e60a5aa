"""Write a checked plan in bulk: new devices with their "imported" custody event, then updates.

Rows were validated column by column while planning (lengths, serial formats, choices) and unique
values were checked against the file and the database in bulk, so ``full_clean()`` per device,
with its per-row uniqueness queries, is skipped on purpose: it would cost 750,000 queries at
district scale. The unique constraints still stand behind this.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from fleet.choices import CustodyEventKind
from fleet.models import CustodyEvent, Device
from fleet.services.importing.drafts import Draft
from fleet.services.importing.planning import Plan, chunked
from fleet.services.importing.progress import NO_PROGRESS, WRITING, Progress

BATCH = 2000
UPDATE_BATCH = 1000
# Changes of place or holder are custody: they bump the version a stale form checks, and get an event.
CUSTODY_FIELDS = frozenset({"location_id", "assignee_kind", "assignee_id"})
# Plans name foreign keys by their column; bulk_update wants the field.
FOREIGN_KEYS = {"model_id": "model", "location_id": "location"}
Candidates = Device.variant_candidates.through


def write_plan(plan: Plan, *, actor: User | None, reason: str, progress: Progress = NO_PROGRESS) -> None:
    """Create the new devices and update the changed ones. Call inside a transaction."""
    now = timezone.now()
    new = list(plan.new())
    updates = list(plan.updates())
    total = len(new) + len(updates)
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
    _write_updates(updates, actor=actor, reason=reason, now=now)
    progress.update(phase=WRITING, done=total, total=total)
    settled = [draft for draft in updates if "variant_confirmed" in (draft.changes or {})]
    Candidates.objects.filter(device_id__in=[draft.existing_id for draft in settled]).delete()
    _write_candidates((Device(pk=draft.existing_id), draft) for draft in settled)


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
