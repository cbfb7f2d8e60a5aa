"""Celery wrappers around fleet services: device-import jobs and the sweep of their files."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


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
