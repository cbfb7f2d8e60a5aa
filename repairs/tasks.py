"""Celery wrappers around repairs services: the parts usage tally's rebuild."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def part_usage_tally_refresh_task() -> int:
    """Rebuild the parts usage tally (nightly). Returns its row count."""
    from repairs.services import summaries

    return summaries.part_usage_tally_refresh().rows
