"""Project-wide Celery tasks, and how services enqueue tasks.

Services name the task they enqueue by its Celery name (its dotted path) instead of importing it:
an app's ``tasks.py`` imports its services, so a service importing ``tasks.py`` back would make
the two modules import each other. With no broker configured (no ``REDIS_URL``) tasks run
in-process, as ``CELERY_TASK_ALWAYS_EAGER`` says.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import Task, shared_task
from celery.result import AsyncResult
from django.db import OperationalError, connection, transaction
from django.utils.module_loading import import_string

from core.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = "The task queue is unreachable, so the job could not start. Try again in a minute."

# The history context each running task entered, by task id (a task may run inside another's
# eager call, so more than one can be open in a process at once).
_history_contexts: dict[str, Any] = {}


def history_context_enter(task_id: str, task: Task, **kwargs: Any) -> None:
    """Celery ``task_prerun``: changes the task makes carry its name in their history.

    Inside a request (an eager task) the request's context gains the task's name instead.
    """
    if connection.vendor != "postgresql":
        return
    import pghistory

    context = pghistory.context(task=task.name, task_id=task_id)
    context.__enter__()
    _history_contexts[task_id] = context


def history_context_exit(task_id: str, **kwargs: Any) -> None:
    """Celery ``task_postrun`` (sent whether the task succeeded or raised)."""
    context = _history_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)


def task_named(name: str) -> Task:
    """The task registered under ``name`` (``"<app>.tasks.<function>"``)."""
    task = import_string(name)
    if not isinstance(task, Task):
        raise TypeError(f"{name} is not a Celery task.")
    return task


def enqueue(name: str, *args: Any) -> AsyncResult:
    """Send a task now, failing fast: raises ServiceUnavailable within a second or two when it
    cannot be sent, instead of retrying while the request waits.

    Any failure to send counts (the broker refusing or timing out, the Redis result backend
    failing to subscribe, which raises RuntimeError): the settings bound each to about a second.
    Tasks take primitive ids as positional arguments. Run eagerly (no broker configured), the
    task's own errors propagate unchanged.
    """
    task = task_named(name)
    try:
        return task.apply_async(args, retry_policy={"max_retries": 0})
    except Exception as exc:
        if task.app.conf.task_always_eager:
            raise  # the task ran here and failed: its own error, not an outage
        logger.error("Could not queue %s%r: %s", name, args, exc)
        raise ServiceUnavailable(QUEUE_DOWN_MESSAGE) from exc


def enqueue_on_commit(name: str, *args: Any) -> None:
    """Send a task once the current transaction commits (never for a write that rolled back).

    A failure to send is logged and never undoes the committed write, nor fails the request:
    use it for work that may be lost in an outage (a notification), not for work the caller
    must know started (call ``enqueue`` after the write and answer its ServiceUnavailable).
    """
    transaction.on_commit(functools.partial(_enqueue_or_log, name, *args), robust=True)


def _enqueue_or_log(name: str, *args: Any) -> None:
    try:
        enqueue(name, *args)
    except ServiceUnavailable:
        logger.warning("%s%r was not queued; the committed change stands.", name, args)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def session_clear_expired_task() -> int:
    from core.services import sessions

    return sessions.session_clear_expired()


@shared_task
def ping_task(value: str) -> str:
    """Echo a value back: proves a worker consumes from the broker and returns a result."""
    return f"pong:{value}"
