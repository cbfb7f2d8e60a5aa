"""Run now through a real Redis and a real Celery worker, with Redis stopped, and with it back.

The test starts its own redis-server on a free port (never the shared one, and whatever REDIS_URL
says), points the Celery app's broker and result backend at it and runs a worker in a thread.
Stopping that Redis must turn Run now, on the API and on the page, into a quick 503 "try again"
that leaves no run pending or running, so the next Run now, once Redis is back, runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.test import Client
from django.urls import reverse
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import User
from forecasting.choices import ForecastRunStatus
from forecasting.domain import engine
from forecasting.models import ForecastRun
from forecasting.selectors import forecasts as selectors
from forecasting.services import runs
from tests.core.celery_support import REDIS_SERVER, PrivateRedis, celery_using, worker_thread
from tests.forecasting.factories import fake_forecast
from tests.repairs.factories import PartFactory

pytestmark = [
    # The worker thread sees only committed rows; serialized_rollback restores the role groups.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server (apt-get install redis-server)"),
]

HTMX = {"HX-Request": "true"}
QUICK = 3.0  # seconds: "a second or two", with room for a slow CI machine
TRY_AGAIN = "The task queue is unreachable, so the forecast could not start. Try again in a minute."


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_app(private_redis: PrivateRedis) -> Iterator[Celery]:
    with celery_using(private_redis.url) as app:
        yield app


def wait_until_finished(run_id: int, timeout: float = 60) -> ForecastRun:
    deadline = time.monotonic() + timeout
    while True:
        run = ForecastRun.objects.get(pk=run_id)
        if run.status not in runs.ACTIVE_STATUSES or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def run_now_api(client: APIClient) -> tuple[int, dict, float, str | None]:
    started = time.monotonic()
    response = client.post("/api/forecast-runs/")
    return response.status_code, response.json(), time.monotonic() - started, response.get("Retry-After")


def run_now_page(client: Client, **headers: str) -> tuple[int, str, float]:
    started = time.monotonic()
    response = client.post(reverse("forecasting:forecast_run_create"), headers=headers)
    return response.status_code, response.content.decode(), time.monotonic() - started


def assert_nothing_held() -> None:
    assert selectors.active_run() is None
    assert not ForecastRun.objects.filter(status__in=runs.ACTIVE_STATUSES).exists()


def test_run_now_with_redis_stopped_answers_503_at_once_and_runs_once_redis_is_back(
    private_redis: PrivateRedis,
    celery_app: Celery,
    procurement: User,
    client: Client,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(engine, "forecast", fake_forecast)
    settings.FORECAST_CHUNK_SIZE = 1  # three parts: a chord of three chunk tasks and a finish task
    PartFactory.create_batch(3)
    api = APIClient()
    api.force_authenticate(procurement)
    client.force_login(procurement)

    with worker_thread(celery_app):
        # Redis up: Run now is accepted and the worker runs it to the end.
        status, body, _, _ = run_now_api(api)
        assert status == 202, body
        first = wait_until_finished(body["id"])
        assert (first.status, first.parts_done, first.part_count) == (ForecastRunStatus.SUCCEEDED, 3, 3)

        private_redis.stop()

        # The API: 503 within seconds, the run it created failed at once, nothing holds the lock.
        status, body, seconds, retry_after = run_now_api(api)
        assert (status, body) == (503, {"detail": TRY_AGAIN})
        assert seconds < QUICK
        assert retry_after == "30"
        newest = ForecastRun.objects.order_by("-pk").first()
        assert newest is not None and newest.pk != first.pk
        assert (newest.status, newest.error_message) == (ForecastRunStatus.FAILED, runs.NOT_QUEUED_MESSAGE)
        assert_nothing_held()

        # The page, as a plain form post: a 503 page saying to try again.
        status, html, seconds = run_now_page(client)
        assert status == 503 and TRY_AGAIN in html
        assert seconds < QUICK
        assert_nothing_held()

        # The page's Run now button (htmx): the panel says to try again (htmx swaps only a 200).
        status, html, seconds = run_now_page(client, **HTMX)
        assert status == 200 and TRY_AGAIN in html and 'role="alert"' in html
        assert html.lstrip().startswith('<section id="run-panel"')
        assert seconds < QUICK
        assert_nothing_held()
        assert ForecastRun.objects.filter(status=ForecastRunStatus.FAILED).count() == 3

        private_redis.start()

        # Redis back: the next Run now is accepted, the worker reconnects and runs it.
        status, body, _, _ = run_now_api(api)
        assert status == 202, body
        again = wait_until_finished(body["id"], timeout=90)
        assert (again.status, again.parts_done) == (ForecastRunStatus.SUCCEEDED, 3), again.error_message
