import time
from collections.abc import Callable, Iterator

import pytest
from celery import Celery
from django.contrib.auth.models import Group

import config.celery
from core import tasks
from core.exceptions import ServiceUnavailable
from tests.core.celery_support import UNREACHABLE_URL, celery_using

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


def test_enqueue_with_the_queue_unreachable_raises_service_unavailable_at_once():
    started = time.monotonic()
    with celery_using(UNREACHABLE_URL), pytest.raises(ServiceUnavailable) as refused:
        tasks.enqueue("core.tasks.ping_task", "x")

    assert time.monotonic() - started < 3
    assert str(refused.value) == tasks.QUEUE_DOWN_MESSAGE


def test_enqueue_in_eager_mode_lets_the_tasks_own_errors_through(celery_app: Celery):
    with pytest.raises(TypeError):  # ping_task takes one argument: a bug, not an outage
        tasks.enqueue("core.tasks.ping_task")


def test_enqueue_on_commit_with_the_queue_unreachable_keeps_the_write_and_logs(
    django_capture_on_commit_callbacks: Callable, caplog: pytest.LogCaptureFixture
):
    with celery_using(UNREACHABLE_URL), django_capture_on_commit_callbacks(execute=True):
        Group.objects.create(name="written before the send")
        tasks.enqueue_on_commit("core.tasks.ping_task", "x")

    assert Group.objects.filter(name="written before the send").exists()
    assert "core.tasks.ping_task('x',) was not queued; the committed change stands." in caplog.messages
