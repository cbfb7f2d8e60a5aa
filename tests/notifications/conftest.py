"""A frozen clock and the beat's two runs, driven through their Celery tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks

# A Wednesday morning in the district's time zone.
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def run_dispatch(django_capture_on_commit_callbacks: Callable) -> Callable[[], None]:
    """The hourly beat job, through Celery; the sends it queues on commit run too."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.notifications_dispatch_task.delay()

    return run


@pytest.fixture
def run_digest(django_capture_on_commit_callbacks: Callable) -> Callable[[], None]:
    """The Monday digest job, through Celery."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.weekly_digest_send_task.delay()

    return run
