"""Celery wrappers around students services: roster import jobs and the sweep of their exports."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


# A job is safe to run twice (an ended one is left alone), so a database outage retries it.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def roster_job_run_task(job_id: int) -> str | None:
    """Run a confirmed roster import; returns how it ended (None when it had already)."""
    from students.services import roster_jobs

    job = roster_jobs.roster_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def roster_uploads_sweep_task() -> int:
    from students.services import roster_jobs

    return roster_jobs.roster_uploads_sweep()
