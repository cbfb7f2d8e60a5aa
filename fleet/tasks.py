"""Celery wrappers around fleet services: the device tally's rebuild."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def device_tally_refresh_task() -> int:
    """Rebuild the device tally (nightly, and after each import). Returns its row count."""
    from fleet.services import summaries

    return summaries.device_tally_refresh().rows
