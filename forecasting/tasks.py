"""Celery wrappers around forecasting.services.runs: the nightly run and its one retry, a run's
chunks and the stale sweep."""

from __future__ import annotations

import logging

from celery import chord, group, shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


# A database error before the run exists retries the start once, five minutes on. A run that
# exists and fails (not queued, worker lost, failed as a whole) is retried by
# forecast_nightly_retry_task instead, so tonight's run gets one more attempt either way.
@shared_task(autoretry_for=(OperationalError,), max_retries=1, default_retry_delay=5 * 60)
def forecast_nightly_task(chunk_size: int | None = None) -> int | None:
    """Start tonight's run (beat, 02:00 district time). Returns its id; None when one is running
    or it could not be queued.

    ``chunk_size`` overrides FORECAST_CHUNK_SIZE for this run (CI uses it to fan out a small demo).
    """
    from core.exceptions import ConflictError, ServiceUnavailable
    from forecasting.choices import ForecastTrigger
    from forecasting.services import runs

    try:
        run = runs.forecast_run_start(actor=None, trigger=ForecastTrigger.NIGHTLY, chunk_size=chunk_size)
    except ConflictError as exc:
        logger.warning("Nightly forecast skipped: %s", exc)
        return None
    except ServiceUnavailable as exc:
        logger.error("Nightly forecast not queued (it will be retried once): %s", exc)
        return None
    return run.pk


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forecast_nightly_retry_task() -> int | None:
    """Start tonight's failed nightly run once more; returns its id, None when none is due."""
    from core.exceptions import ConflictError, ServiceUnavailable
    from forecasting.services import runs

    try:
        run = runs.forecast_nightly_retry()
    except ConflictError as exc:
        logger.warning("Nightly forecast retry skipped: %s", exc)
        return None
    except ServiceUnavailable as exc:
        logger.error("Nightly forecast retry not queued: %s", exc)
        return None
    return None if run is None else run.pk


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forecast_run_task(run_id: int) -> None:
    """Prepare the run and fan its chunks out; the finish task runs when every chunk is done."""
    from forecasting.services import runs

    chunks = runs.forecast_run_prepare(run_id=run_id)
    if chunks is None:
        return
    if not chunks:
        runs.forecast_run_finish(run_id=run_id)
        return
    header = group(forecast_chunk_task.s(run_id, part_ids) for part_ids in chunks)
    chord(header)(forecast_finish_task.si(run_id))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forecast_chunk_task(run_id: int, part_ids: list[int]) -> int:
    from forecasting.services import runs

    return runs.forecast_chunk_compute(run_id=run_id, part_ids=part_ids)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forecast_finish_task(run_id: int) -> str | None:
    from forecasting.services import runs

    run = runs.forecast_run_finish(run_id=run_id)
    return None if run is None else run.status


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def forecast_runs_sweep_task() -> int:
    from forecasting.services import runs

    return runs.forecast_runs_sweep_stale()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def model_year_tally_refresh_task() -> int:
    """Rebuild the refresh plan's model-year tally (nightly). Returns its row count."""
    from forecasting.services import summaries

    return summaries.model_year_tally_refresh().rows
