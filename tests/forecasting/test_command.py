"""manage.py run_forecast: progress, summary and exit status."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from forecasting.choices import ForecastRunStatus, ForecastTrigger
from forecasting.domain import engine
from forecasting.models import ForecastRun, PartForecast
from forecasting.services import runs
from tests.forecasting.factories import ForecastRunFactory, fake_forecast
from tests.repairs.factories import PartFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "forecast", fake_forecast)


def test_run_forecast_prints_progress_and_a_summary():
    PartFactory.create_batch(5)
    out = io.StringIO()

    call_command("run_forecast", "--chunk-size", "2", stdout=out)

    run = ForecastRun.objects.get()
    assert (run.trigger, run.status, run.parts_done) == (
        ForecastTrigger.MANUAL,
        ForecastRunStatus.SUCCEEDED,
        5,
    )
    assert PartForecast.objects.filter(run=run).count() == 5
    text = out.getvalue()
    assert "\r 0/5 parts\r 2/5 parts\r 4/5 parts\r 5/5 parts\n" in text
    assert f"Forecast run {run.pk} succeeded: 5 of 5 parts, 0 with errors," in text


def test_run_forecast_counts_parts_that_failed():
    PartFactory.create_batch(2)
    out = io.StringIO()
    with mock.patch.object(runs.reorder, "location_shares", side_effect=[{}, ValueError("broken")]):
        call_command("run_forecast", stdout=out)

    assert "2 of 2 parts, 1 with errors" in out.getvalue()


def test_run_forecast_exits_non_zero_when_the_run_fails():
    PartFactory.create()

    with (
        mock.patch.object(runs.demand, "demand_load", side_effect=RuntimeError("database gone")),
        pytest.raises(CommandError, match="Forecast run failed: database gone"),
    ):
        call_command("run_forecast", stdout=io.StringIO())

    run = ForecastRun.objects.get()
    assert run.status == ForecastRunStatus.FAILED


def test_run_forecast_refuses_while_a_run_is_active():
    ForecastRunFactory.create(status=ForecastRunStatus.RUNNING, heartbeat_at=timezone.now())

    with pytest.raises(CommandError, match="still running"):
        call_command("run_forecast", stdout=io.StringIO())
    assert ForecastRun.objects.count() == 1


def test_run_forecast_rejects_a_chunk_size_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("run_forecast", "--chunk-size", "0", stdout=io.StringIO())
    assert not ForecastRun.objects.exists()
