from collections.abc import Iterator

import pytest
from celery import Celery

import config.celery
from core import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def celery_app() -> Iterator[Celery]:
    """The project's Celery app, running tasks in-process whatever REDIS_URL says.

    The app reads its settings at import, so overriding Django settings has no effect here.
    """
    app = config.celery.app
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def test_ping_task_in_eager_mode_returns_pong(celery_app: Celery):
    assert tasks.ping_task.delay("x").get(timeout=5) == "pong:x"


def test_tasks_are_bound_to_the_project_app():
    assert tasks.ping_task.app is config.celery.app


def test_beat_schedule_names_only_registered_tasks():
    app = config.celery.app
    app.loader.import_default_modules()

    schedule = app.conf.beat_schedule
    assert schedule
    unknown = {entry["task"] for entry in schedule.values()} - set(app.tasks)
    assert not unknown, f"beat schedule names tasks no module registers: {sorted(unknown)}"


def test_session_clear_expired_task_runs_the_service(celery_app: Celery):
    assert tasks.session_clear_expired_task.delay().get(timeout=5) == 0
