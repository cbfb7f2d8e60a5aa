"""Celery wrappers around fleet services: device-import jobs and the sweep of their files, the
device tally's rebuild, and the Google Admin sync (nightly and on request)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def device_tally_refresh_task() -> int:
    """Rebuild the device tally (nightly, and after each import). Returns its row count."""
    from fleet.services import summaries

    return summaries.device_tally_refresh().rows


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def google_sync_task(run_id: int | None = None) -> int | None:
    """Run a queued sync (``run_id``, "Sync now"), or tonight's (beat, 01:00 district time, no
    arguments). Returns the run's id; None when there was nothing to run (not configured,
    another run going, or this run already done by an earlier delivery)."""
    from fleet.services import google_sync

    if run_id is None:
        nightly = google_sync.google_sync_nightly()
        if nightly is None:
            return None
        run_id = nightly.pk
    run = google_sync.google_sync_execute(run_id=run_id)
    return None if run is None else run.pk


# A job is safe to run twice (an ended one is left alone), so a database outage retries it.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def import_job_run_task(job_id: int) -> str | None:
    """Run a confirmed device import; returns how it ended (None when it had already)."""
    from fleet.services.importing import jobs

    job = jobs.import_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def import_uploads_sweep_task() -> int:
    from fleet.services.importing import jobs

    return jobs.import_uploads_sweep()
