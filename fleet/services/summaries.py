"""Summary tables the reports read instead of scanning every device: rebuilt whole, not kept
row by row.

A rebuild is a full recomputation (one grouped read of the underlying rows, then a bulk insert
of a few thousand rows), so the tables are exact as of their refresh time, whichever way the
rows were written: services, the set-based import, the demo loader, the admin. Celery rebuilds
them every night and after each import (``fleet.tasks``); the reports show the refresh time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone

from fleet.choices import ReadinessFlag
from fleet.models import DEVICE_TALLY, Device, DeviceTally, SummaryRefresh
from fleet.selectors import reports

BATCH = 5000


def summary_lock(*, name: str) -> SummaryRefresh:
    """Lock (creating it the first time) the refresh row of the summary ``name``, so that two
    rebuilds of one table never interleave their delete and insert. Call inside a transaction."""
    SummaryRefresh.objects.get_or_create(name=name, defaults={"refreshed_at": timezone.now()})
    return SummaryRefresh.objects.select_for_update().get(name=name)


@transaction.atomic
def summary_replace(
    *, name: str, model: type[models.Model], rows: Iterable[models.Model], facts: dict[str, Any] | None = None
) -> SummaryRefresh:
    """Replace every row of the summary table ``model`` with ``rows`` and stamp ``name``'s refresh
    time; one transaction, so readers see the old table or the new one, never a mix. Safe to run
    twice: the second waits for the first and rebuilds again."""
    refresh = summary_lock(name=name)
    model._default_manager.all().delete()
    created = model._default_manager.bulk_create(rows, batch_size=BATCH)
    refresh.refreshed_at, refresh.rows, refresh.facts = timezone.now(), len(created), facts or {}
    refresh.save(update_fields=["refreshed_at", "rows", "facts"])
    return refresh


def device_tally_rows(*, today: dt.date, milestones: reports.Milestones) -> list[DeviceTally]:
    """The device tally recomputed from every device (one grouped query), unsaved: each group's
    devices, and how many carry each of Google's readiness flags on ``today``."""
    flags = reports.readiness_conditions(today=today, milestones=milestones)
    any_flag = Q()
    for condition in flags.values():
        any_flag |= condition
    groups = (
        Device.objects.values_list("location_id", "model_id", "status", "aue_override")
        .annotate(
            n=Count("pk"),
            not_synced=Count("pk", filter=flags[ReadinessFlag.NOT_SYNCED]),
            os_behind=Count("pk", filter=flags[ReadinessFlag.OS_BEHIND]),
            dev_mode=Count("pk", filter=flags[ReadinessFlag.DEV_MODE]),
            flagged=Count("pk", filter=any_flag),
        )
        .order_by()
    )
    return [
        DeviceTally(
            location_id=location_id,
            model_id=model_id,
            status=status,
            aue_override=aue,
            devices=n,
            not_synced=not_synced,
            os_behind=os_behind,
            dev_mode=dev_mode,
            flagged=flagged,
        )
        for location_id, model_id, status, aue, n, not_synced, os_behind, dev_mode, flagged in groups
    ]


def device_tally_refresh(*, today: dt.date | None = None) -> SummaryRefresh:
    """Rebuild the device tally (devices per location, model, status and own AUE date, with
    Google's readiness flags as of ``today``, by default the local date)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        summary_lock(name=DEVICE_TALLY)
        milestones = reports.district_milestones()
        rows = device_tally_rows(today=today, milestones=milestones)
        facts = {
            "today": today.isoformat(),
            "newest_milestone": milestones.newest,
            "behind": list(milestones.behind),
        }
        return summary_replace(name=DEVICE_TALLY, model=DeviceTally, rows=rows, facts=facts)
