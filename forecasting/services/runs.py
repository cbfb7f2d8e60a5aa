"""Forecast runs: start one, execute it in chunks, finish it, and sweep runs whose worker died.

A run goes pending -> running -> succeeded (or failed). Its work is split into chunks of parts;
each chunk reads its own slice of the ledger, runs the engine and writes its parts' rows, so a
chunk can run on any worker and run twice (it deletes its parts' rows of the run first). The
Celery tasks in ``forecasting.tasks`` fan the chunks out with a chord; ``forecast_run_execute``
runs the same steps inline for ``manage.py run_forecast`` and the demo seed.

The engine pools what it learns across parts: the run fits one model on every part's history
when it starts (``engine.fit``, stored in the run's parameters as plain numbers) and every chunk
forecasts its parts with that model, so results do not depend on how parts are chunked.
A part the engine fails on is retried alone and, failing again, recorded with its error. A chunk
that keeps failing on the database (retries exhausted) leaves the run running until the stale
sweep fails it.

Nothing waits long on a lost worker or an unreachable queue. A run whose job cannot be queued is
failed at once and the start raises ServiceUnavailable (503 "try again"), so it never holds the
one-active-run rule. A working run refreshes ``heartbeat_at`` within each chunk (at most every
HEARTBEAT_EVERY), so the sweep, which beat runs every minute, fails a run whose worker died within
FORECAST_STALE_AFTER_MINUTES (a few minutes). Tonight's nightly run gets one more attempt when its
first fails in any of these ways (``forecast_nightly_retry``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from accounts.models import User
from core import tasks as core_tasks
from core.exceptions import ConflictError, ServiceUnavailable
from forecasting import permissions
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.domain import engine, reorder
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion, ServiceLevelTarget
from forecasting.selectors import demand
from repairs.choices import StockLocationKind, StockMovementKind
from repairs.models import Part, StockLevel, StockLocation, StockMovement

logger = logging.getLogger(__name__)

HORIZON_WEEKS = 52
MAX_HISTORY_WEEKS = 260
HOLDOUT_WEEKS = 13
TOTAL_QUANTILES = (0.5, 0.8, 0.9, 0.95)
DEFAULT_CHUNK_SIZE = 100
DEFAULT_STALE_AFTER_MINUTES = 4
# How often a working chunk writes its heartbeat: well inside the stale threshold.
HEARTBEAT_EVERY = dt.timedelta(seconds=30)
NIGHTLY_ATTEMPTS = 2
NOT_QUEUED_MESSAGE = "Not started: the task queue was unreachable."
ACTIVE_STATUSES = (ForecastRunStatus.PENDING, ForecastRunStatus.RUNNING)
# Serialises run starts on PostgreSQL (two clicks at once must not start two runs).
_START_LOCK_KEY = 5_000_501

ProgressCallback = Callable[[int, int], None]


def chunk_size_setting() -> int:
    return int(getattr(settings, "FORECAST_CHUNK_SIZE", DEFAULT_CHUNK_SIZE))


def stale_after() -> dt.timedelta:
    return dt.timedelta(
        minutes=int(getattr(settings, "FORECAST_STALE_AFTER_MINUTES", DEFAULT_STALE_AFTER_MINUTES))
    )


# Starting and sweeping -----------------------------------------------------------------------


def forecast_run_start(*, actor: User | None, trigger: str, chunk_size: int | None = None) -> ForecastRun:
    """Create a pending run and enqueue its job once the transaction commits.

    ``actor`` is None for the nightly schedule; a person needs ``can_run_forecast``.
    ``chunk_size`` (parts per chunk task) defaults to the FORECAST_CHUNK_SIZE setting. Runs whose
    worker stopped are swept to failed first. A nightly run is one per local night: starting it
    again the same night resets that run, whose rows the job then replaces.

    Raises PermissionDenied for a person who may not run forecasts, ConflictError while
    another run is pending or running, and ServiceUnavailable (when the transaction commits: at
    once outside one) when the job cannot be queued; that run is then already failed, so the
    caller may try again straight away.
    """
    if actor is not None and not permissions.can_run_forecast(actor):
        raise PermissionDenied
    if trigger not in ForecastTrigger.values:
        raise ValueError(f"Unknown forecast trigger {trigger!r}.")
    return _start(actor=actor, trigger=trigger, chunk_size=chunk_size, attempt=1)


def forecast_nightly_retry(*, now: dt.datetime | None = None) -> ForecastRun | None:
    """Start tonight's nightly run once more when its first attempt failed, and return it.

    Any failure counts: the job could not be queued, its worker was lost (the sweep failed it)
    or the run failed as a whole. Only the newest run is considered, on the day it ran: a run
    started since then, by hand, makes the retry moot. A second failure stays failed. Returns
    None when there is nothing to retry; raises ServiceUnavailable like ``forecast_run_start``.
    """
    now = now or timezone.now()
    newest = ForecastRun.objects.order_by("-created_at", "-pk").first()
    if (
        newest is None
        or newest.trigger != ForecastTrigger.NIGHTLY
        or newest.status != ForecastRunStatus.FAILED
        or newest.run_date != timezone.localdate(now)
        or _attempt(newest) >= NIGHTLY_ATTEMPTS
    ):
        return None
    logger.warning("Nightly forecast run %s failed (%s); retrying it once.", newest.pk, newest.error_message)
    chunk_size = newest.parameters.get("chunk_size")
    return _start(
        actor=None,
        trigger=ForecastTrigger.NIGHTLY,
        chunk_size=int(chunk_size) if chunk_size else None,
        attempt=_attempt(newest) + 1,
    )


def _attempt(run: ForecastRun) -> int:
    return int(run.parameters.get("attempt") or 1)


def _start(*, actor: User | None, trigger: str, chunk_size: int | None, attempt: int) -> ForecastRun:
    forecast_runs_sweep_stale()
    try:
        run = _create_or_reset_run(actor=actor, trigger=trigger, chunk_size=chunk_size, attempt=attempt)
    except IntegrityError as exc:  # the other half of a race on the nightly unique date
        raise ConflictError("Tonight's forecast run was just started by someone else.") from exc
    run_id = run.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return run


@transaction.atomic
def _create_or_reset_run(
    *, actor: User | None, trigger: str, chunk_size: int | None = None, attempt: int = 1
) -> ForecastRun:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_START_LOCK_KEY])
    active = ForecastRun.objects.filter(status__in=ACTIVE_STATUSES).order_by("pk").first()
    if active is not None:
        raise ConflictError(f"Forecast run {active.pk} is still {active.get_status_display().lower()}.")
    run_date = timezone.localdate() if trigger == ForecastTrigger.NIGHTLY else None
    run = None
    if run_date is not None:
        run = ForecastRun.objects.select_for_update().filter(trigger=trigger, run_date=run_date).first()
    if run is None:
        run = ForecastRun(trigger=trigger, requested_by=actor, run_date=run_date)
    run.status = ForecastRunStatus.PENDING
    run.started_at = run.finished_at = run.heartbeat_at = None
    run.part_count = run.parts_done = run.error_count = 0
    run.error_message = ""
    run.parameters = {"chunk_size": max(1, chunk_size or chunk_size_setting()), "attempt": attempt}
    run.full_clean(validate_constraints=False)
    run.save()
    return run


def _enqueue(run_id: int) -> None:
    """Send the run's job. When it cannot be sent the run is failed at once (it must not block
    the next start until the sweep) and ServiceUnavailable tells the caller to try again."""
    try:
        core_tasks.enqueue("forecasting.tasks.forecast_run_task", run_id)
    except ServiceUnavailable as exc:
        forecast_run_fail(run_id=run_id, message=NOT_QUEUED_MESSAGE)
        raise ServiceUnavailable(
            "The task queue is unreachable, so the forecast could not start. Try again in a minute."
        ) from exc


def forecast_runs_sweep_stale(*, now: dt.datetime | None = None) -> int:
    """Mark pending or running runs with no sign of life for FORECAST_STALE_AFTER_MINUTES failed.

    Sign of life is the heartbeat, else the start, else the creation time. Returns how many runs
    were swept. Safe to run at any time and twice.
    """
    now = now or timezone.now()
    cutoff = now - stale_after()
    # Coalesce(heartbeat_at, started_at, created_at) < cutoff, spelt out so the UPDATE itself
    # checks it: a run whose worker is preparing it holds its row, and PostgreSQL re-checks the
    # condition once that commits with a fresh heartbeat, instead of failing a live run.
    quiet = (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff)
    )
    minutes = int(stale_after().total_seconds() // 60)
    return ForecastRun.objects.filter(quiet, status__in=ACTIVE_STATUSES).update(
        status=ForecastRunStatus.FAILED,
        finished_at=now,
        error_message=f"Worker stopped: no progress for {minutes} minutes.",
    )


class _Heartbeat:
    """Tells the sweep a run's worker is alive: writes ``heartbeat_at`` when called, at most once
    every HEARTBEAT_EVERY, so the long steps of a chunk (engine, backtest, per-part loops) can
    call it as often as they like."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.last = timezone.now()

    def __call__(self) -> None:
        now = timezone.now()
        if now - self.last < HEARTBEAT_EVERY:
            return
        ForecastRun.objects.filter(pk=self.run_id, status=ForecastRunStatus.RUNNING).update(heartbeat_at=now)
        self.last = now


def _no_beat() -> None:
    pass


# Executing ------------------------------------------------------------------------------------


def forecast_run_prepare(*, run_id: int, chunk_size: int | None = None) -> list[list[int]] | None:
    """Mark the run running, clear rows of an earlier attempt and split its parts into chunks.

    ``chunk_size`` defaults to the one chosen when the run started, else the setting. Returns the
    chunks of part ids, or None when the run is no longer pending or running (swept, or finished
    by an earlier delivery of the same job).
    """
    now = timezone.now()
    # A sign of life before the pooled fit, which may take a while under the row lock below.
    ForecastRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(heartbeat_at=now)
    with transaction.atomic():
        run = ForecastRun.objects.select_for_update().filter(pk=run_id, status__in=ACTIVE_STATUSES).first()
        if run is None:
            return None
        chunk_size = max(1, chunk_size or int(run.parameters.get("chunk_size") or chunk_size_setting()))
        part_ids = list(Part.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        history_end = demand.week_start(timezone.localdate(now))
        first = StockMovement.objects.filter(
            kind__in=(StockMovementKind.ISSUED, StockMovementKind.RETURNED)
        ).aggregate(first=Min("occurred_at"))["first"]
        history_weeks = demand.history_weeks_since(first, history_end=history_end, limit=MAX_HISTORY_WEEKS)
        models = _fit_models(part_ids=part_ids, history_end=history_end, weeks=history_weeks)
        ReorderSuggestion.objects.filter(run=run).delete()
        PartForecast.objects.filter(run=run).delete()
        attempt = _attempt(run)
        run.status = ForecastRunStatus.RUNNING
        run.started_at, run.heartbeat_at = now, timezone.now()
        run.finished_at = None
        run.history_end = history_end
        run.part_count, run.parts_done, run.error_count = len(part_ids), 0, 0
        run.error_message = ""
        run.parameters = {
            "horizon_weeks": HORIZON_WEEKS,
            "history_weeks": history_weeks,
            "holdout_weeks": HOLDOUT_WEEKS,
            "review_weeks": reorder.REVIEW_WEEKS,
            "chunk_size": chunk_size,
            "attempt": attempt,
            **models,
        }
        run.save()
    return [part_ids[i : i + chunk_size] for i in range(0, len(part_ids), chunk_size)]


def forecast_chunk_compute(*, run_id: int, part_ids: Sequence[int]) -> int:
    """Forecast and plan one chunk of a running run's parts and write their rows.

    A part the engine or the planner cannot handle gets a row with its ``error`` and point 0;
    the others are written as usual. Deletes the chunk's rows of an earlier attempt first, so
    running a chunk twice leaves the same rows and counters. Returns the parts written (0 when
    the run is no longer running). Any other failure marks the run failed and re-raises.
    """
    run = ForecastRun.objects.filter(pk=run_id, status=ForecastRunStatus.RUNNING).first()
    if run is None or not part_ids:
        return 0
    try:
        forecasts, suggestions = _chunk_rows(run, list(part_ids), beat=_Heartbeat(run_id))
        return _chunk_write(run, list(part_ids), forecasts, suggestions)
    except Exception as exc:
        if not _is_transient(exc):
            forecast_run_fail(run_id=run_id, message=f"Chunk of {len(part_ids)} parts failed: {exc}")
        raise


def forecast_run_finish(*, run_id: int) -> ForecastRun | None:
    """Mark a running run succeeded with exact counts from its rows; None if it is not running.

    A run in which every part failed is marked failed instead (with the first part's error), so
    the pages keep showing the previous good run rather than an empty one.
    """
    with transaction.atomic():
        run = (
            ForecastRun.objects.select_for_update()
            .filter(pk=run_id, status=ForecastRunStatus.RUNNING)
            .first()
        )
        if run is None:
            return None
        rows = PartForecast.objects.filter(run=run)
        counts = rows.aggregate(done=Count("pk"), errors=Count("pk", filter=~Q(error="")))
        run.parts_done = min(counts["done"], run.part_count)
        run.error_count = counts["errors"]
        run.status = ForecastRunStatus.SUCCEEDED
        if run.part_count and counts["errors"] >= run.part_count:
            first = rows.exclude(error="").order_by("part_id").values_list("error", flat=True).first()
            run.status = ForecastRunStatus.FAILED
            run.error_message = f"Every part failed, e.g. {first}"[:2000]
        run.finished_at = run.heartbeat_at = timezone.now()
        run.save(
            update_fields=[
                "parts_done",
                "error_count",
                "status",
                "error_message",
                "finished_at",
                "heartbeat_at",
            ]
        )
    return run


def forecast_run_fail(*, run_id: int, message: str) -> None:
    """Mark a pending or running run failed with the reason (a finished run stays as it is)."""
    ForecastRun.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
        status=ForecastRunStatus.FAILED, finished_at=timezone.now(), error_message=message[:2000]
    )


def forecast_run_execute(
    *, run_id: int, chunk_size: int | None = None, progress: ProgressCallback | None = None
) -> ForecastRun:
    """Run a pending run to the end in this process, chunk by chunk (no Celery needed)."""
    chunks = forecast_run_prepare(run_id=run_id, chunk_size=chunk_size)
    if chunks is not None:
        total, done = sum(len(c) for c in chunks), 0
        if progress is not None:
            progress(0, total)
        for part_ids in chunks:
            forecast_chunk_compute(run_id=run_id, part_ids=part_ids)
            done += len(part_ids)
            if progress is not None:
                progress(done, total)
        forecast_run_finish(run_id=run_id)
    return ForecastRun.objects.get(pk=run_id)


def forecast_run_now(
    *,
    actor: User | None,
    trigger: str,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> ForecastRun:
    """Start a run and execute it inline, without enqueueing a job (command line and demo seed)."""
    forecast_runs_sweep_stale()
    try:
        run = _create_or_reset_run(actor=actor, trigger=trigger, chunk_size=chunk_size)
    except IntegrityError as exc:
        raise ConflictError("Tonight's forecast run was just started by someone else.") from exc
    return forecast_run_execute(run_id=run.pk, progress=progress)


def _is_transient(exc: Exception) -> bool:
    from django.db import OperationalError

    return isinstance(exc, OperationalError)


# One chunk ------------------------------------------------------------------------------------


def season_length_for(weeks: int) -> int:
    """Weekly history shows a yearly season once it covers two years."""
    return 52 if weeks >= 104 else 1


def _fit_models(*, part_ids: list[int], history_end: dt.date, weeks: int) -> dict[str, Any]:
    """Fit the pooled forecast and backtest models on every part; empty when it cannot be done."""
    if not part_ids or weeks < 1:
        return {}
    models: dict[str, Any] = {}
    try:
        data = demand.demand_load(
            part_ids=part_ids, history_end=history_end, weeks=weeks, horizon=HORIZON_WEEKS
        )
        models["model"] = engine.fit(
            data.history,
            horizon=HORIZON_WEEKS,
            season_length=season_length_for(weeks),
            exposure=data.exposure,
            covariates=data.covariates,
        ).to_json()
        if weeks >= 2 * HOLDOUT_WEEKS:
            fit_weeks = weeks - HOLDOUT_WEEKS
            models["backtest_model"] = engine.fit(
                data.history[:, :fit_weeks],
                horizon=HOLDOUT_WEEKS,
                season_length=_backtest_season(fit_weeks, season_length_for(weeks)),
                exposure=data.exposure[:, :weeks],
                covariates=data.covariates[:weeks],
            ).to_json()
    except Exception:
        # Each chunk then fits on its own parts (and meets the same error, if it lasts).
        logger.warning("Could not fit the pooled model on all parts.", exc_info=True)
    return models


def _backtest_season(fit_weeks: int, season_length: int) -> int:
    return season_length if fit_weeks >= 2 * season_length else 1


def _stored_model(run: ForecastRun, key: str) -> engine.PooledModel | None:
    """The run's pooled model; None (each chunk fits its own) when there is none or an engine
    with other features stored it."""
    data = run.parameters.get(key)
    if not data:
        return None
    try:
        return engine.PooledModel.from_json(data)
    except ValueError:
        logger.warning("The run's stored %s has other features; chunks fit their own.", key)
        return None


@dataclass(frozen=True)
class _EngineOutput:
    result: engine.ForecastResult | None
    index: dict[int, int]  # row of the matrix -> row of the result
    errors: dict[int, str]  # row of the matrix -> why the engine failed on it


def _run_engine(
    history: np.ndarray,
    *,
    horizon: int,
    season_length: int,
    exposure: np.ndarray,
    covariates: np.ndarray,
    model: engine.PooledModel | None = None,
    beat: Callable[[], None] = _no_beat,
) -> _EngineOutput:
    """Forecast all rows at once; when that fails, row by row so one bad part fails alone."""
    rows = list(range(history.shape[0]))
    try:
        result = engine.forecast(
            history,
            horizon=horizon,
            season_length=season_length,
            exposure=exposure,
            covariates=covariates,
            model=model,
        )
        return _EngineOutput(result, {i: i for i in rows}, {})
    except Exception:
        logger.warning(
            "Engine failed on a chunk of %s parts; retrying part by part.", len(rows), exc_info=True
        )
    good, errors = [], {}
    for i in rows:
        beat()
        try:
            engine.forecast(
                history[i : i + 1],
                horizon=horizon,
                season_length=season_length,
                exposure=exposure[i : i + 1],
                covariates=covariates,
                model=model,
            )
        except Exception as exc:
            errors[i] = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
        else:
            good.append(i)
    if not good:
        return _EngineOutput(None, {}, errors)
    beat()
    result = engine.forecast(
        history[good],
        horizon=horizon,
        season_length=season_length,
        exposure=exposure[good],
        covariates=covariates,
        model=model,
    )
    return _EngineOutput(result, {i: n for n, i in enumerate(good)}, errors)


def _chunk_rows(
    run: ForecastRun, part_ids: list[int], *, beat: Callable[[], None] = _no_beat
) -> tuple[list[PartForecast], list[ReorderSuggestion]]:
    assert run.history_end is not None
    horizon = int(run.parameters.get("horizon_weeks", HORIZON_WEEKS))
    weeks = int(run.parameters.get("history_weeks", MAX_HISTORY_WEEKS))
    data = demand.demand_load(part_ids=part_ids, history_end=run.history_end, weeks=weeks, horizon=horizon)
    beat()
    season = season_length_for(data.history.shape[1])
    out = _run_engine(
        data.history,
        horizon=horizon,
        season_length=season,
        exposure=data.exposure,
        covariates=data.covariates,
        model=_stored_model(run, "model"),
        beat=beat,
    )
    beat()
    backtest = _backtest(data, season_length=season, model=_stored_model(run, "backtest_model"), beat=beat)
    beat()
    context = _planning_context(data.parts, run)

    lead_weeks = {p.pk: reorder.lead_time_weeks(p.lead_time_days) for p in data.parts}
    levels = sorted({context.service_level(p.category) for p in data.parts})
    lead_quantiles: dict[int, np.ndarray] = {}
    if out.result is not None:
        for weeks_l in sorted(set(lead_weeks.values())):
            lead_quantiles[weeks_l] = out.result.sum_quantiles(0, min(weeks_l, horizon), levels)
        totals = out.result.total_quantiles(TOTAL_QUANTILES)

    forecasts: list[PartForecast] = []
    suggestions: list[ReorderSuggestion] = []
    for i, part in enumerate(data.parts):
        beat()
        error = out.errors.get(i)
        if error is None and out.result is not None:
            try:
                k = out.index[i]
                sl = context.service_level(part.category)
                row, part_suggestions = _part_rows(
                    run=run,
                    part=part,
                    result=out.result,
                    k=k,
                    history=data.history[i],
                    history_start=data.history_start,
                    warranty_share=float(data.warranty_share[i]),
                    location_consumption=data.location_consumption.get(part.pk, {}),
                    service_level=sl,
                    lead_quantile=float(lead_quantiles[lead_weeks[part.pk]][k, levels.index(sl)]),
                    lead_weeks=lead_weeks[part.pk],
                    totals=totals[k],
                    accuracy=backtest.get(i, {}),
                    context=context,
                )
            except Exception as exc:
                logger.warning("Forecast of part %s failed.", part.pk, exc_info=True)
                error = f"{type(exc).__name__}: {exc}"[:500]
            else:
                forecasts.append(row)
                suggestions.extend(part_suggestions)
                continue
        forecasts.append(
            PartForecast(
                run=run,
                part=part,
                horizon_weeks=horizon,
                point=0.0,
                method="",
                error=error or "The engine returned no forecast.",
                history=_json_history(data.history[i]),
                history_start=data.history_start,
            )
        )
    return forecasts, suggestions


def _backtest(
    data: demand.DemandData,
    *,
    season_length: int,
    model: engine.PooledModel | None = None,
    beat: Callable[[], None] = _no_beat,
) -> dict[int, dict[str, Any]]:
    """Hold the last weeks out, forecast them from the rest and score the forecast per part."""
    history = data.history
    weeks = history.shape[1]
    if weeks < 2 * HOLDOUT_WEEKS:
        return {}
    fit = history[:, :-HOLDOUT_WEEKS]
    out = _run_engine(
        fit,
        horizon=HOLDOUT_WEEKS,
        season_length=_backtest_season(fit.shape[1], season_length),
        exposure=data.exposure[:, :weeks],
        covariates=data.covariates[:weeks],
        model=model,
        beat=beat,
    )
    if out.result is None:
        return {}
    levels = list(out.result.levels)
    scores: dict[int, dict[str, Any]] = {}
    for i, k in out.index.items():
        actual = np.nan_to_num(history[i, -HOLDOUT_WEEKS:])
        scores[i] = reorder.backtest_scores(
            actual=actual, mean=out.result.mean[k], quantiles=out.result.quantiles[k], levels=levels
        )
    return scores


@dataclass
class _PlanningContext:
    targets: dict[str, float]
    locations: dict[int, StockLocation]
    depot_id: int | None
    on_hand: dict[tuple[int, int], int]  # (part, stock location) -> units, kits folded into the depot
    on_order: dict[tuple[int, int], int]
    stocked_at: dict[int, set[int]]  # part -> reorder-target locations with a stock row

    def service_level(self, category: str) -> float:
        return self.targets.get(category, float(ServiceLevelTarget.DEFAULT))


def _planning_context(parts: list[Part], run: ForecastRun) -> _PlanningContext:
    from forecasting.selectors import forecasts as selectors

    part_ids = [p.pk for p in parts]
    targets = {t.category: float(t.service_level) for t in ServiceLevelTarget.objects.all()}
    locations = {loc.pk: loc for loc in StockLocation.objects.all()}
    depot_id = reorder.main_depot_id([(loc.pk, loc.kind) for loc in locations.values()])
    on_hand: dict[tuple[int, int], int] = {}
    stocked_at: dict[int, set[int]] = {}
    for part_id, location_id, units in StockLevel.objects.filter(part_id__in=part_ids).values_list(
        "part_id", "stock_location_id", "on_hand"
    ):
        target = reorder.target_location(location_id, locations[location_id].kind, depot_id)
        if target is None:
            continue
        on_hand[(part_id, target)] = on_hand.get((part_id, target), 0) + units
        if locations[location_id].kind != StockLocationKind.TECHNICIAN_KIT:
            stocked_at.setdefault(part_id, set()).add(target)
    on_order: dict[tuple[int, int], int] = {}
    for (part_id, location_id), units in selectors.on_order_by_part_and_location(part_ids=part_ids).items():
        target = reorder.target_location(location_id, locations[location_id].kind, depot_id)
        if target is not None:
            on_order[(part_id, target)] = on_order.get((part_id, target), 0) + units
    return _PlanningContext(targets, locations, depot_id, on_hand, on_order, stocked_at)


def _part_rows(
    *,
    run: ForecastRun,
    part: Part,
    result: engine.ForecastResult,
    k: int,
    history: np.ndarray,
    history_start: dt.date,
    warranty_share: float,
    location_consumption: dict[int, float],
    service_level: float,
    lead_quantile: float,
    lead_weeks: int,
    totals: np.ndarray,
    accuracy: dict[str, Any],
    context: _PlanningContext,
) -> tuple[PartForecast, list[ReorderSuggestion]]:
    mean = np.asarray(result.mean[k], dtype=float)
    if not np.all(np.isfinite(mean)):
        raise ValueError("The engine returned a non-finite forecast.")
    point = float(mean.sum())
    shares = reorder.location_shares(
        consumption=location_consumption,
        stocked=context.stocked_at.get(part.pk, set()),
        kinds={pk: loc.kind for pk, loc in context.locations.items()},
        depot_id=context.depot_id,
    )
    lead_mean = float(mean[:lead_weeks].sum())
    review_mean = float(mean[lead_weeks : lead_weeks + reorder.REVIEW_WEEKS].sum())
    if lead_weeks + reorder.REVIEW_WEEKS > mean.size:  # horizon shorter than lead time + review
        review_mean = float(mean[-1] * reorder.REVIEW_WEEKS) if mean.size else 0.0
    suggestions = []
    for location_id, share in sorted(shares.items()):
        plan = reorder.plan_location(
            lead_time_quantile=lead_quantile,
            lead_time_mean=lead_mean,
            review_mean=review_mean,
            location_share=share,
            warranty_share=warranty_share,
            on_hand=context.on_hand.get((part.pk, location_id), 0),
            on_order=context.on_order.get((part.pk, location_id), 0),
            pack_size=part.pack_size,
            minimum_order=part.minimum_order,
        )
        suggestions.append(
            ReorderSuggestion(
                run=run,
                part=part,
                stock_location_id=location_id,
                location_share=share,
                lead_time_days=part.lead_time_days,
                service_level=service_level,
                lead_time_demand=plan.lead_time_demand,
                safety_stock=plan.safety_stock,
                reorder_point=plan.reorder_point,
                order_up_to=plan.order_up_to,
                on_hand=plan.on_hand,
                on_order=plan.on_order,
                warranty_covered=plan.warranty_covered,
                suggested_quantity=plan.suggested_quantity,
                unit_cost=part.unit_cost,
            )
        )
    spend = (Decimal(str(round(point, 4))) * part.unit_cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    weekly_q = np.asarray(result.quantiles[k], dtype=float)
    row = PartForecast(
        run=run,
        part=part,
        horizon_weeks=mean.size,
        weekly_mean=[round(float(v), 4) for v in mean],
        point=max(point, 0.0),
        quantiles={_key(t): float(v) for t, v in zip(TOTAL_QUANTILES, totals, strict=True)},
        weekly_quantiles={
            _key(level): [round(float(v), 4) for v in weekly_q[:, j]] for j, level in enumerate(result.levels)
        },
        history=_json_history(history),
        history_start=history_start,
        method=str(result.method[k])[:40],
        accuracy=accuracy,
        warranty_share=warranty_share,
        service_level=service_level,
        expected_spend=spend,
        on_hand=sum(s.on_hand for s in suggestions),
        on_order=sum(s.on_order for s in suggestions),
        reorder_point=sum(s.reorder_point for s in suggestions),
        suggested_order=sum(s.suggested_quantity for s in suggestions),
    )
    return row, suggestions


def _key(level: float) -> str:
    return f"{level:g}"


def _json_history(row: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else round(float(v), 4) for v in row]


def _chunk_write(
    run: ForecastRun, part_ids: list[int], forecasts: list[PartForecast], suggestions: list[ReorderSuggestion]
) -> int:
    with transaction.atomic():
        earlier = PartForecast.objects.filter(run=run, part_id__in=part_ids)
        before = earlier.aggregate(done=Count("pk"), errors=Count("pk", filter=~Q(error="")))
        ReorderSuggestion.objects.filter(run=run, part_id__in=part_ids).delete()
        earlier.delete()
        PartForecast.objects.bulk_create(forecasts, batch_size=500)
        ReorderSuggestion.objects.bulk_create(suggestions, batch_size=1000)
        errors = sum(1 for f in forecasts if f.error)
        ForecastRun.objects.filter(pk=run.pk).update(
            parts_done=F("parts_done") + (len(forecasts) - before["done"]),
            error_count=F("error_count") + (errors - before["errors"]),
            heartbeat_at=timezone.now(),
        )
    return len(forecasts)
