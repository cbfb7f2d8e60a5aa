"""The forecast tasks in eager mode (no broker): the nightly start, the chord of chunks, the sweep."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import pytest
import time_machine
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

import config.celery
from forecasting import tasks
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.domain import engine
from forecasting.models import ForecastRun, PartForecast
from forecasting.services import runs
from repairs.choices import StockMovementKind
from tests.core.celery_support import UNREACHABLE_URL, celery_using
from tests.forecasting.factories import ForecastRunFactory, fake_forecast
from tests.repairs.factories import PartFactory, StockMovementFactory

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "forecast", fake_forecast)


@time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC), tick=False)
def test_nightly_task_runs_every_chunk_and_finishes_the_run(django_capture_on_commit_callbacks: Callable):
    parts = PartFactory.create_batch(5)
    StockMovementFactory.create(
        part=parts[0],
        kind=StockMovementKind.ISSUED,
        quantity=-3,
        occurred_at=timezone.now() - dt.timedelta(days=9),  # week of Feb 23
    )

    with override_settings(FORECAST_CHUNK_SIZE=2), django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.forecast_nightly_task.delay().get()

    run = ForecastRun.objects.get(pk=run_id)
    assert (run.trigger, run.run_date) == (ForecastTrigger.NIGHTLY, dt.date(2026, 3, 4))
    assert (run.status, run.part_count, run.parts_done, run.error_count) == (
        ForecastRunStatus.SUCCEEDED,
        5,
        5,
        0,
    )
    assert run.parameters["chunk_size"] == 2
    assert PartForecast.objects.filter(run=run).count() == 5
    assert PartForecast.objects.get(run=run, part=parts[0]).history == [3.0]


def test_nightly_task_skips_while_another_run_is_active():
    active = ForecastRunFactory.create(status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now())

    assert tasks.forecast_nightly_task.delay().get() is None
    assert list(ForecastRun.objects.values_list("pk", flat=True)) == [active.pk]


def test_run_task_with_no_parts_finishes_at_once():
    run = ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL)

    tasks.forecast_run_task.delay(run.pk).get()

    run.refresh_from_db()
    assert (run.status, run.part_count, run.parts_done) == (ForecastRunStatus.SUCCEEDED, 0, 0)


def test_run_task_for_a_swept_run_does_nothing():
    PartFactory.create()
    run = ForecastRunFactory.create(status=ForecastRunStatus.FAILED)

    tasks.forecast_run_task.delay(run.pk).get()

    run.refresh_from_db()
    assert run.status == ForecastRunStatus.FAILED
    assert not PartForecast.objects.exists()


def test_sweep_task_fails_stale_runs():
    stale = ForecastRunFactory.create(
        status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=2)
    )

    assert tasks.forecast_runs_sweep_task.delay().get() == 1

    stale.refresh_from_db()
    assert stale.status == ForecastRunStatus.FAILED


def test_beat_schedules_the_nightly_run_and_the_sweep():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE
    nightly = schedule["forecast-nightly"]
    assert nightly["task"] == "forecasting.tasks.forecast_nightly_task"
    assert (nightly["schedule"].hour, nightly["schedule"].minute) == ({2}, {0})
    sweep = schedule["forecast-runs-sweep-stale"]
    assert sweep["task"] == "forecasting.tasks.forecast_runs_sweep_task"
    assert sweep["schedule"].minute == set(range(60))  # every minute
    assert settings.FORECAST_STALE_AFTER_MINUTES <= 5  # so a lost worker is noticed within minutes
    retry = schedule["forecast-nightly-retry"]
    assert retry["task"] == "forecasting.tasks.forecast_nightly_retry_task"
    assert retry["schedule"].minute == set(range(0, 60, 2))
    assert settings.CELERY_TIMEZONE == "America/New_York"


@time_machine.travel(dt.datetime(2026, 3, 4, 2, 0, tzinfo=NY), tick=False)
def test_nightly_task_retries_once_when_the_database_fails_before_the_run_exists(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Callable
):
    PartFactory.create()
    real_sweep = runs.forecast_runs_sweep_stale
    failures = iter([OperationalError("connection lost")])

    def sweep_failing_once(*, now: dt.datetime | None = None) -> int:
        for exc in failures:
            raise exc
        return real_sweep(now=now)

    monkeypatch.setattr(runs, "forecast_runs_sweep_stale", sweep_failing_once)
    monkeypatch.setitem(config.celery.app.conf, "task_eager_propagates", False)  # eager retries

    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.forecast_nightly_task.delay()

    assert result.get() is not None  # in eager mode the retry runs at once, in this call
    run = ForecastRun.objects.get(pk=result.get())
    assert (run.trigger, run.status, run.parts_done) == (
        ForecastTrigger.NIGHTLY,
        ForecastRunStatus.SUCCEEDED,
        1,
    )


@time_machine.travel(dt.datetime(2026, 3, 4, 2, 0, tzinfo=NY), tick=False)
def test_nightly_task_gives_up_after_one_retry(monkeypatch: pytest.MonkeyPatch):
    calls = 0

    def sweep_failing(**kwargs: object) -> int:
        nonlocal calls
        calls += 1
        raise OperationalError("connection lost")

    monkeypatch.setattr(runs, "forecast_runs_sweep_stale", sweep_failing)
    monkeypatch.setitem(config.celery.app.conf, "task_eager_propagates", False)  # eager retries

    result = tasks.forecast_nightly_task.delay()

    assert result.state == "FAILURE"
    with pytest.raises(OperationalError):
        result.get()

    assert calls == 2  # the first try and one retry
    assert not ForecastRun.objects.exists()


# As in a worker: no transaction around the task (the role groups are restored after).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel(dt.datetime(2026, 3, 4, 2, 0, tzinfo=NY), tick=False)
def test_nightly_task_when_the_queue_is_unreachable_fails_the_run_and_the_retry_task_reruns_it():
    PartFactory.create()

    # 02:00: a worker runs the nightly task but cannot queue the run's job (Redis went away).
    with celery_using(UNREACHABLE_URL):
        assert tasks.forecast_nightly_task() is None
    run = ForecastRun.objects.get()
    assert (run.status, run.error_message) == (ForecastRunStatus.FAILED, runs.NOT_QUEUED_MESSAGE)

    # A couple of minutes on, with the queue back, beat's retry task runs it once more.
    assert tasks.forecast_nightly_retry_task.delay().get() == run.pk
    run.refresh_from_db()
    assert (run.status, run.parts_done, run.parameters["attempt"]) == (ForecastRunStatus.SUCCEEDED, 1, 2)
    assert tasks.forecast_nightly_retry_task.delay().get() is None  # succeeded: nothing more to do


@time_machine.travel(dt.datetime(2026, 3, 4, 2, 0, tzinfo=NY), tick=True)
def test_nightly_run_whose_worker_was_lost_is_swept_and_retried_once(
    django_capture_on_commit_callbacks: Callable,
):
    PartFactory.create()
    with django_capture_on_commit_callbacks(execute=False):  # queued, then its worker is killed
        run_id = tasks.forecast_nightly_task.delay().get()
    ForecastRun.objects.filter(pk=run_id).update(
        status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=5)
    )

    assert tasks.forecast_runs_sweep_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.forecast_nightly_retry_task.delay().get() == run_id

    run = ForecastRun.objects.get()
    assert (run.status, run.parameters["attempt"]) == (ForecastRunStatus.SUCCEEDED, 2)


def test_nightly_task_chunk_size_argument_overrides_the_setting(django_capture_on_commit_callbacks: Callable):
    PartFactory.create_batch(3)

    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.forecast_nightly_task.delay(chunk_size=1).get()

    run = ForecastRun.objects.get(pk=run_id)
    assert (run.status, run.parts_done, run.parameters["chunk_size"]) == (ForecastRunStatus.SUCCEEDED, 3, 1)
