"""Project-wide Celery tasks, and how services enqueue tasks.

Services name the task they enqueue by its Celery name (its dotted path) instead of importing it:
an app's ``tasks.py`` imports its services, so a service importing ``tasks.py`` back would make
the two modules import each other. With no broker configured (no ``REDIS_URL``) tasks run
in-process, as ``CELERY_TASK_ALWAYS_EAGER`` says.
"""

from __future__ import annotations

import functools
from typing import Any

from celery import Task, shared_task
from celery.result import AsyncResult
from django.db import OperationalError, transaction
from django.utils.module_loading import import_string


def task_named(name: str) -> Task:
    """The task registered under ``name`` (``"<app>.tasks.<function>"``)."""
    task = import_string(name)
    if not isinstance(task, Task):
        raise TypeError(f"{name} is not a Celery task.")
    return task


def enqueue(name: str, *args: Any) -> AsyncResult:
    """Send a task now, failing fast: a broker outage raises at once instead of retrying.

    Tasks take primitive ids as positional arguments.
    """
    return task_named(name).apply_async(args, retry_policy={"max_retries": 0})


def enqueue_on_commit(name: str, *args: Any) -> None:
    """Send a task once the current transaction commits (never for a write that rolled back).

    A failure to send is logged by Django (``robust``) and never undoes the committed write.
    """
    transaction.on_commit(functools.partial(enqueue, name, *args), robust=True)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def session_clear_expired_task() -> int:
    from core.services import sessions

    return sessions.session_clear_expired()


@shared_task
def ping_task(value: str) -> str:
    """Echo a value back: proves a worker consumes from the broker and returns a result."""
    return f"pong:{value}"
