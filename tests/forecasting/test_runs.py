"""Forecast runs: starting, conflicts, the stale sweep, chunks, failures and the reorder rows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from unittest import mock

import numpy as np
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from core.exceptions import ConflictError, ServiceUnavailable
from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.domain import engine
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion
from forecasting.services import runs
from repairs.choices import (
    Coverage,
    PartCategory,
    PurchaseOrderStatus,
    StockLocationKind,
    StockMovementKind,
)
from repairs.models import Part, StockLocation
from tests.core.celery_support import UNREACHABLE_URL, celery_using
from tests.forecasting.factories import ForecastRunFactory, ServiceLevelTargetFactory, fake_forecast
from tests.repairs.factories import (
    PartFactory,
    PurchaseOrderLineFactory,
    StockLevelFactory,
    StockLocationFactory,
    StockMovementFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=NY)  # a Wednesday: history ends Monday Mar 2
WEEKS = [dt.date(2026, 2, 2) + dt.timedelta(weeks=i) for i in range(4)]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "forecast", fake_forecast)


@pytest.fixture
def depot() -> StockLocation:
    return StockLocationFactory.create(code="DEPOT", kind=StockLocationKind.DEPOT)


def issue(part: Part, where: StockLocation, units: int, day: dt.date, coverage: str = "") -> None:
    StockMovementFactory.create(
        part=part,
        stock_location=where,
        kind=StockMovementKind.ISSUED,
        quantity=-units,
        ticket=TicketFactory.create(coverage=coverage),
        occurred_at=dt.datetime.combine(day, dt.time(11), tzinfo=NY),
    )


def used_weekly(part: Part, where: StockLocation, units: int = 2, coverage: str = "") -> None:
    for monday in WEEKS:
        issue(part, where, units, monday + dt.timedelta(days=1), coverage)


# Starting ----------------------------------------------------------------------------------------


def test_run_start_creates_a_pending_run_and_enqueues_it_on_commit(
    procurement: User, django_capture_on_commit_callbacks: Callable
):
    with mock.patch("forecasting.tasks.forecast_run_task.apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run = runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)
        send.assert_not_called()
        assert len(callbacks) == 1
        callbacks[0]()
        send.assert_called_once_with((run.pk,), retry_policy={"max_retries": 0})

    assert (run.status, run.trigger, run.requested_by, run.run_date) == (
        ForecastRunStatus.PENDING,
        ForecastTrigger.MANUAL,
        procurement,
        None,
    )


def test_run_start_runs_the_job_eagerly_without_a_broker(
    procurement: User, depot: StockLocation, fake_engine: None, django_capture_on_commit_callbacks: Callable
):
    used_weekly(PartFactory.create(), depot)

    with django_capture_on_commit_callbacks(execute=True):
        run = runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)

    run.refresh_from_db()
    assert (run.status, run.part_count, run.parts_done, run.error_count) == (
        ForecastRunStatus.SUCCEEDED,
        1,
        1,
        0,
    )


def test_run_start_with_the_task_queue_unreachable_fails_the_run_at_once_and_raises(
    procurement: User, django_capture_on_commit_callbacks: Callable
):
    with (
        celery_using(UNREACHABLE_URL),
        pytest.raises(ServiceUnavailable) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)

    assert str(refused.value) == (
        "The task queue is unreachable, so the forecast could not start. Try again in a minute."
    )
    run.refresh_from_db()
    assert (run.status, run.finished_at, run.error_message) == (
        ForecastRunStatus.FAILED,
        timezone.now(),
        "Not started: the task queue was unreachable.",
    )
    # Nothing holds the one-active-run rule: the next start, with the queue back, is accepted.
    with django_capture_on_commit_callbacks(execute=False):
        again = runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)
    assert again.status == ForecastRunStatus.PENDING


def test_nightly_start_with_the_task_queue_unreachable_leaves_tonights_run_failed(
    django_capture_on_commit_callbacks: Callable,
):
    with (
        celery_using(UNREACHABLE_URL),
        pytest.raises(ServiceUnavailable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        runs.forecast_run_start(actor=None, trigger=ForecastTrigger.NIGHTLY)

    run = ForecastRun.objects.get()
    assert (run.status, run.run_date, run.parameters["attempt"]) == (
        ForecastRunStatus.FAILED,
        dt.date(2026, 3, 4),
        1,
    )


def test_run_start_by_a_role_that_may_not_run_raises(supervisor: User):
    with pytest.raises(PermissionDenied):
        runs.forecast_run_start(actor=supervisor, trigger=ForecastTrigger.MANUAL)
    assert not ForecastRun.objects.exists()


@pytest.mark.parametrize("status", [ForecastRunStatus.PENDING, ForecastRunStatus.RUNNING])
def test_run_start_while_another_run_is_active_raises_conflict(procurement: User, status: str):
    ForecastRunFactory.create(status=status, heartbeat_at=timezone.now())

    with pytest.raises(ConflictError):
        runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)
    assert ForecastRun.objects.count() == 1


def test_run_start_sweeps_a_stale_run_first(procurement: User):
    stale = ForecastRunFactory.create(
        status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=5)
    )

    run = runs.forecast_run_start(actor=procurement, trigger=ForecastTrigger.MANUAL)

    stale.refresh_from_db()
    assert stale.status == ForecastRunStatus.FAILED
    assert stale.error_message.startswith("Worker stopped")
    assert run.status == ForecastRunStatus.PENDING


def test_nightly_start_again_the_same_night_reuses_that_run(django_capture_on_commit_callbacks: Callable):
    first = runs.forecast_run_start(actor=None, trigger=ForecastTrigger.NIGHTLY)
    ForecastRun.objects.filter(pk=first.pk).update(status=ForecastRunStatus.SUCCEEDED, parts_done=0)

    again = runs.forecast_run_start(actor=None, trigger=ForecastTrigger.NIGHTLY)

    assert again.pk == first.pk
    assert (again.status, again.run_date) == (ForecastRunStatus.PENDING, dt.date(2026, 3, 4))
    assert ForecastRun.objects.count() == 1


# The stale sweep ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "minutes_ago", "swept"),
    [
        (ForecastRunStatus.RUNNING, 5, True),
        (ForecastRunStatus.RUNNING, 3, False),
        (ForecastRunStatus.PENDING, 5, True),
        (ForecastRunStatus.PENDING, 3, False),
        (ForecastRunStatus.SUCCEEDED, 600, False),
    ],
)
def test_sweep_fails_active_runs_without_a_recent_heartbeat(status: str, minutes_ago: int, swept: bool):
    run = ForecastRunFactory.create(
        status=status, heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )

    assert runs.forecast_runs_sweep_stale() == int(swept)

    run.refresh_from_db()
    assert (run.status == ForecastRunStatus.FAILED) is swept
    assert (run.finished_at == timezone.now()) is swept


def test_sweep_falls_back_to_creation_time_for_a_run_that_never_started():
    run = ForecastRunFactory.create(status=ForecastRunStatus.PENDING)
    ForecastRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    assert runs.forecast_runs_sweep_stale() == 1
    run.refresh_from_db()
    assert run.error_message == "Worker stopped: no progress for 4 minutes."


def test_sweep_falls_back_to_the_start_time_before_the_first_heartbeat():
    started = ForecastRunFactory.create(
        status=ForecastRunStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=5)
    )
    fresh = ForecastRunFactory.create(status=ForecastRunStatus.PENDING)
    ForecastRun.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10),
        started_at=timezone.now() - dt.timedelta(minutes=1),
    )

    assert runs.forecast_runs_sweep_stale() == 1
    assert ForecastRun.objects.get(pk=started.pk).status == ForecastRunStatus.FAILED
    assert ForecastRun.objects.get(pk=fresh.pk).status == ForecastRunStatus.PENDING


@override_settings(FORECAST_STALE_AFTER_MINUTES=4)
def test_a_long_chunk_keeps_its_heartbeat_fresh_so_the_sweep_leaves_it_running(
    depot: StockLocation, monkeypatch: pytest.MonkeyPatch
):
    parts = PartFactory.create_batch(2)
    for part in parts:
        used_weekly(part, depot)
    run = ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL)
    calls = 0

    with time_machine.travel(NOW, tick=False) as clock:

        def slow_forecast(*args: Any, **kwargs: Any) -> Any:
            """Each engine call takes three minutes, and the first (all parts at once) fails, so the
            chunk retries part by part: ten minutes in all, longer than the stale threshold."""
            nonlocal calls
            calls += 1
            clock.shift(dt.timedelta(minutes=3))
            assert runs.forecast_runs_sweep_stale() == 0  # the sweep, every minute meanwhile
            if calls == 1:
                raise ValueError("too big at once")
            return fake_forecast(*args, **kwargs)

        chunks = runs.forecast_run_prepare(run_id=run.pk, chunk_size=2)
        monkeypatch.setattr(engine, "forecast", slow_forecast)
        assert chunks is not None
        assert runs.forecast_chunk_compute(run_id=run.pk, part_ids=chunks[0]) == 2

    assert calls == 4
    run.refresh_from_db()
    assert (run.status, run.parts_done, run.error_count) == (ForecastRunStatus.RUNNING, 2, 0)
    assert run.heartbeat_at == NOW + dt.timedelta(minutes=12)


# The nightly retry ------------------------------------------------------------------------------


def failed_nightly(*, attempt: int = 1, on: dt.date = dt.date(2026, 3, 4)) -> ForecastRun:
    return ForecastRunFactory.create(
        trigger=ForecastTrigger.NIGHTLY,
        run_date=on,
        status=ForecastRunStatus.FAILED,
        error_message="Worker stopped: no progress for 4 minutes.",
        parameters={"chunk_size": 7, "attempt": attempt},
    )


def test_nightly_retry_restarts_tonights_failed_run_as_its_second_attempt(
    django_capture_on_commit_callbacks: Callable,
):
    failed = failed_nightly()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retried = runs.forecast_nightly_retry()

    assert retried is not None and retried.pk == failed.pk
    retried.refresh_from_db()
    assert (retried.status, retried.error_message, retried.parameters) == (
        ForecastRunStatus.PENDING,
        "",
        {"chunk_size": 7, "attempt": 2},
    )
    assert len(callbacks) == 1  # its job is queued


def test_nightly_retry_runs_the_second_attempt_to_the_end(
    depot: StockLocation, fake_engine: None, django_capture_on_commit_callbacks: Callable
):
    used_weekly(PartFactory.create(), depot)
    failed_nightly()

    with django_capture_on_commit_callbacks(execute=True):
        runs.forecast_nightly_retry()

    run = ForecastRun.objects.get()
    assert (run.status, run.parts_done, run.parameters["attempt"]) == (ForecastRunStatus.SUCCEEDED, 1, 2)


@pytest.mark.parametrize(
    "case",
    ["second attempt failed too", "failed yesterday", "manual run since", "succeeded", "still running"],
)
def test_nightly_retry_does_nothing_when_no_retry_is_due(case: str):
    if case == "second attempt failed too":
        failed_nightly(attempt=2)
    elif case == "failed yesterday":
        failed_nightly(on=dt.date(2026, 3, 3))
    elif case == "manual run since":
        failed_nightly()
        ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL, status=ForecastRunStatus.SUCCEEDED)
    elif case == "succeeded":
        ForecastRunFactory.create(run_date=dt.date(2026, 3, 4), status=ForecastRunStatus.SUCCEEDED)
    else:
        ForecastRunFactory.create(
            run_date=dt.date(2026, 3, 4), status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now()
        )
    before = list(ForecastRun.objects.values_list("pk", "status", "parameters").order_by("pk"))

    assert runs.forecast_nightly_retry() is None
    assert list(ForecastRun.objects.values_list("pk", "status", "parameters").order_by("pk")) == before


def test_nightly_retry_of_a_run_that_cannot_be_queued_again_leaves_it_failed_for_good(
    django_capture_on_commit_callbacks: Callable,
):
    failed = failed_nightly()

    with (
        celery_using(UNREACHABLE_URL),
        pytest.raises(ServiceUnavailable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        runs.forecast_nightly_retry()

    failed.refresh_from_db()
    assert (failed.status, failed.parameters["attempt"]) == (ForecastRunStatus.FAILED, 2)
    assert runs.forecast_nightly_retry() is None


# Executing -----------------------------------------------------------------------------------------


def test_run_writes_forecast_and_reorder_rows(depot: StockLocation, fake_engine: None):
    kit = StockLocationFactory.create(kind=StockLocationKind.TECHNICIAN_KIT)
    part = PartFactory.create(
        category=PartCategory.BATTERY,
        lead_time_days=14,
        pack_size=5,
        unit_cost=Decimal("42.50"),
        is_demo=True,
    )
    ServiceLevelTargetFactory.create(category=PartCategory.BATTERY, service_level=Decimal("0.900"))
    for monday in WEEKS[:3]:
        issue(part, depot, 2, monday + dt.timedelta(days=2))
    issue(part, kit, 2, WEEKS[3] + dt.timedelta(days=2))  # a kit's use is planned at the depot
    StockLevelFactory.create(part=part, stock_location=depot, on_hand=3)
    StockLevelFactory.create(part=part, stock_location=kit, on_hand=1)
    PurchaseOrderLineFactory.create(
        part=part, order__status=PurchaseOrderStatus.SENT, order__ship_to=depot, quantity_ordered=2
    )
    PurchaseOrderLineFactory.create(part=part, order__status=PurchaseOrderStatus.DRAFT, order__ship_to=depot)

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    assert (run.status, run.part_count, run.parts_done, run.error_count) == (
        ForecastRunStatus.SUCCEEDED,
        1,
        1,
        0,
    )
    assert run.history_end == dt.date(2026, 3, 2)
    assert run.parameters["history_weeks"] == 4
    row = PartForecast.objects.get(run=run)
    # The fake engine forecasts 2 a week; its tau-quantile of a total is the total x (1 + tau).
    assert row.weekly_mean == [2.0] * 52
    assert row.point == 104.0
    assert row.quantiles == {
        "0.5": 156.0,
        "0.8": pytest.approx(187.2),
        "0.9": pytest.approx(197.6),
        "0.95": pytest.approx(202.8),
    }
    assert row.expected_spend == Decimal("4420.00")
    assert row.history == [2.0, 2.0, 2.0, 2.0]
    assert row.history_start == dt.date(2026, 2, 2)
    assert set(row.weekly_quantiles) == {"0.1", "0.5", "0.9"}
    assert row.weekly_quantiles["0.9"][0] == pytest.approx(3.8)
    assert (row.service_level, row.warranty_share, row.method, row.error) == (0.9, 0.0, "fake", "")
    suggestion = ReorderSuggestion.objects.get(run=run)  # the depot only: kits are not reorder targets
    assert suggestion.stock_location == depot
    # Lead time 2 weeks: mean 4, 90% quantile 7.6 -> reorder point 8; up to 8 + 4 weeks x 2 = 16.
    assert suggestion.lead_time_demand == pytest.approx(4.0)
    assert suggestion.safety_stock == pytest.approx(4.0)
    assert (suggestion.reorder_point, suggestion.order_up_to) == (8, 16)
    # On hand 3 at the depot + 1 in the kit, 2 on a sent order (the draft does not count).
    assert (suggestion.on_hand, suggestion.on_order) == (4, 2)
    assert suggestion.suggested_quantity == 10  # 16 - 6, in packs of 5
    assert (suggestion.service_level, suggestion.location_share, suggestion.unit_cost) == (
        0.9,
        1.0,
        Decimal("42.50"),
    )
    assert (row.on_hand, row.on_order, row.reorder_point, row.suggested_order) == (4, 2, 8, 10)


def test_run_excludes_warranty_demand_and_uses_the_default_service_level(
    depot: StockLocation, fake_engine: None
):
    part = PartFactory.create(category=PartCategory.CHARGER, lead_time_days=14)
    used_weekly(part, depot, units=1)
    used_weekly(part, depot, units=1, coverage=Coverage.WARRANTY)

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    row = PartForecast.objects.get(run=run)
    assert (row.warranty_share, row.service_level) == (0.5, 0.95)
    suggestion = ReorderSuggestion.objects.get(run=run)
    # District lead-time demand: mean 4, 95% quantile 7.8; half is the vendor's under warranty.
    assert suggestion.lead_time_demand == pytest.approx(2.0)
    assert suggestion.warranty_covered == pytest.approx(2.0)
    assert suggestion.reorder_point == 4
    assert suggestion.suggested_quantity == 8  # up to 4 + ceil(8 x 0.5) from nothing


def test_run_splits_a_part_between_locations_by_recent_use(depot: StockLocation, fake_engine: None):
    school = StockLocationFactory.create(kind=StockLocationKind.SCHOOL)
    part = PartFactory.create(lead_time_days=7)
    used_weekly(part, depot, units=3)
    used_weekly(part, school, units=1)
    StockLevelFactory.create(part=part, stock_location=depot, on_hand=50)

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    by_place = {s.stock_location_id: s for s in ReorderSuggestion.objects.filter(run=run)}
    assert {k: s.location_share for k, s in by_place.items()} == {depot.pk: 0.75, school.pk: 0.25}
    assert by_place[depot.pk].suggested_quantity == 0  # 50 on hand is plenty
    assert by_place[school.pk].suggested_quantity > 0


def test_run_backtests_the_last_13_weeks_when_history_allows(depot: StockLocation, fake_engine: None):
    part = PartFactory.create()
    for week in range(30):
        issue(part, depot, 1 if week < 17 else 3, dt.date(2025, 8, 5) + dt.timedelta(weeks=week))

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    accuracy = PartForecast.objects.get(run=run).accuracy
    assert run.parameters["history_weeks"] == 30
    assert accuracy["holdout_weeks"] == 13
    assert accuracy["actual"] == 39.0  # 13 weeks of 3
    assert accuracy["forecast"] == 13.0  # the fake engine saw 17 weeks of 1
    assert accuracy["bias"] == -2.0
    assert accuracy["mae"] == 2.0
    assert accuracy["covered_80"] == 0.0


def test_one_part_failing_in_the_engine_is_recorded_and_the_others_succeed(
    depot: StockLocation, monkeypatch: pytest.MonkeyPatch
):
    good, bad = PartFactory.create(), PartFactory.create()
    used_weekly(good, depot, units=2)
    issue(bad, depot, 7, WEEKS[1])

    def forecast_failing_on_seven(history: Any, **kwargs: Any) -> Any:
        if (np.nansum(np.atleast_2d(history), axis=1) == 7).any():
            raise ValueError("cannot fit seven")
        return fake_forecast(history, **kwargs)

    monkeypatch.setattr(engine, "forecast", forecast_failing_on_seven)

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    assert (run.status, run.parts_done, run.error_count) == (ForecastRunStatus.SUCCEEDED, 2, 1)
    failed = PartForecast.objects.get(run=run, part=bad)
    assert failed.error == "ValueError: cannot fit seven"
    assert failed.point == 0
    assert PartForecast.objects.get(run=run, part=good).point == 104.0
    assert list(ReorderSuggestion.objects.filter(run=run).values_list("part_id", flat=True)) == [good.pk]


def test_one_part_failing_in_the_planner_is_recorded_alone(
    depot: StockLocation, fake_engine: None, monkeypatch: pytest.MonkeyPatch
):
    good, bad = PartFactory.create(pack_size=1), PartFactory.create(pack_size=13)
    used_weekly(good, depot)
    used_weekly(bad, depot)
    plan = runs.reorder.plan_location

    def plan_failing_on_packs_of_13(**kwargs: Any) -> Any:
        if kwargs["pack_size"] == 13:
            raise ZeroDivisionError("bad pack")
        return plan(**kwargs)

    monkeypatch.setattr(runs.reorder, "plan_location", plan_failing_on_packs_of_13)

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    assert (run.status, run.error_count) == (ForecastRunStatus.SUCCEEDED, 1)
    assert PartForecast.objects.get(run=run, part=bad).error == "ZeroDivisionError: bad pack"
    assert PartForecast.objects.get(run=run, part=good).error == ""


def test_nightly_rerun_the_same_night_replaces_its_rows(depot: StockLocation, fake_engine: None):
    part = PartFactory.create()
    used_weekly(part, depot)
    first = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.NIGHTLY)
    first_rows = set(PartForecast.objects.filter(run=first).values_list("pk", flat=True))
    issue(part, depot, 8, WEEKS[3])  # the ledger changed since

    again = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.NIGHTLY)

    assert again.pk == first.pk
    assert (again.status, again.parts_done, again.part_count) == (ForecastRunStatus.SUCCEEDED, 1, 1)
    rows = PartForecast.objects.filter(run=again)
    assert rows.count() == 1
    assert not first_rows & set(rows.values_list("pk", flat=True))
    assert rows.get().history == [2.0, 2.0, 2.0, 10.0]
    assert ReorderSuggestion.objects.filter(run=again).count() == 1


def test_chunk_run_twice_leaves_the_same_rows_and_counts(depot: StockLocation, fake_engine: None):
    parts = PartFactory.create_batch(3)
    for part in parts:
        used_weekly(part, depot)
    run = ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL)
    chunks = runs.forecast_run_prepare(run_id=run.pk, chunk_size=2)
    assert chunks == [[parts[0].pk, parts[1].pk], [parts[2].pk]]

    runs.forecast_chunk_compute(run_id=run.pk, part_ids=chunks[0])
    runs.forecast_chunk_compute(run_id=run.pk, part_ids=chunks[0])

    run.refresh_from_db()
    assert (run.status, run.part_count, run.parts_done) == (ForecastRunStatus.RUNNING, 3, 2)
    assert PartForecast.objects.filter(run=run).count() == 2
    assert ReorderSuggestion.objects.filter(run=run).count() == 2
    assert run.heartbeat_at == timezone.now()


def test_a_chunk_whose_run_stored_a_model_with_other_features_fits_its_own(depot: StockLocation):
    """A run prepared before an engine upgrade: its chunks still forecast, with the real engine."""
    parts = PartFactory.create_batch(2)
    for part in parts:
        used_weekly(part, depot)
    run = ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL)
    chunks = runs.forecast_run_prepare(run_id=run.pk)
    assert chunks is not None
    run.refresh_from_db()
    stale = {**run.parameters["model"], "method": "pooled_glm", "theta": [0.1] * 20}
    run.parameters = {**run.parameters, "model": stale}
    run.save(update_fields=["parameters"])

    assert runs.forecast_chunk_compute(run_id=run.pk, part_ids=chunks[0]) == 2

    rows = PartForecast.objects.filter(run=run)
    assert [row.error for row in rows] == ["", ""]
    assert all(row.point > 0 for row in rows)


def test_chunk_of_a_run_that_is_no_longer_running_does_nothing(fake_engine: None):
    part = PartFactory.create()
    run = ForecastRunFactory.create(status=ForecastRunStatus.FAILED)

    assert runs.forecast_chunk_compute(run_id=run.pk, part_ids=[part.pk]) == 0
    assert not PartForecast.objects.exists()


def test_prepare_of_a_finished_run_returns_none():
    run = ForecastRunFactory.create(status=ForecastRunStatus.SUCCEEDED)

    assert runs.forecast_run_prepare(run_id=run.pk) is None


def test_chunk_failing_outside_a_part_fails_the_run(depot: StockLocation, monkeypatch: pytest.MonkeyPatch):
    part = PartFactory.create()
    run = ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL)
    runs.forecast_run_prepare(run_id=run.pk)
    monkeypatch.setattr(runs.demand, "demand_load", mock.Mock(side_effect=RuntimeError("disk on fire")))

    with pytest.raises(RuntimeError):
        runs.forecast_chunk_compute(run_id=run.pk, part_ids=[part.pk])

    run.refresh_from_db()
    assert run.status == ForecastRunStatus.FAILED
    assert run.error_message == "Chunk of 1 parts failed: disk on fire"
    assert runs.forecast_run_finish(run_id=run.pk) is None


def test_chunk_queries_do_not_grow_with_parts(
    depot: StockLocation, fake_engine: None, django_assert_max_num_queries: Callable
):
    parts = PartFactory.create_batch(12)
    for part in parts:
        used_weekly(part, depot, units=1)
        StockLevelFactory.create(part=part, stock_location=depot, on_hand=0)
    run = ForecastRunFactory.create(trigger=ForecastTrigger.MANUAL)
    runs.forecast_run_prepare(run_id=run.pk)

    with django_assert_max_num_queries(18):
        runs.forecast_chunk_compute(run_id=run.pk, part_ids=[p.pk for p in parts[:2]])
    with django_assert_max_num_queries(18):
        runs.forecast_chunk_compute(run_id=run.pk, part_ids=[p.pk for p in parts[2:]])

    assert ReorderSuggestion.objects.filter(run=run).count() == 12


def test_inactive_parts_are_not_forecast(depot: StockLocation, fake_engine: None):
    PartFactory.create(is_active=False)
    active = PartFactory.create()

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    assert list(PartForecast.objects.filter(run=run).values_list("part_id", flat=True)) == [active.pk]
    assert PartForecast.objects.get(run=run).point == 0  # never used: nothing expected
    assert not ReorderSuggestion.objects.filter(run=run).exists()  # and no stock row anywhere


def test_run_in_which_every_part_fails_is_marked_failed(
    depot: StockLocation, monkeypatch: pytest.MonkeyPatch
):
    PartFactory.create_batch(2)
    monkeypatch.setattr(engine, "forecast", mock.Mock(side_effect=ArithmeticError("engine broken")))

    run = runs.forecast_run_now(actor=None, trigger=ForecastTrigger.MANUAL)

    assert (run.status, run.parts_done, run.error_count) == (ForecastRunStatus.FAILED, 2, 2)
    assert run.error_message == "Every part failed, e.g. ArithmeticError: engine broken"
