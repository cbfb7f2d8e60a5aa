"""One lifecycle for background jobs that import a kept file: queue a job once its transaction
commits, run its body with progress and cancel, end it in any state with its kept file and
cache entries deleted, cancel it, and fail jobs whose worker was lost.

Each app describes its kind of job once (a ``JobKind``: its model, task, cache prefix, how to
delete its file and copy a report's counts) and keeps its own starting, body and permissions.

Cancelling sets the cache flag first, then ``cancel_requested`` on the row; the running body
checks both at each progress write (PostgreSQL's read committed lets the body's own connection
see the committed flag), raises JobCancelled and everything it did rolls back. A cancel that
finds the job already ended takes its flag back, so the flag never outlives its job.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Generic

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from core.choices import ACTIVE_JOB_STATUSES, JobStatus
from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from core.models import JobT
from core.services.job_progress import (
    CHECKING,
    WRITING,
    JobCancelled,
    JobFigures,
    JobRejected,
    Progress,
    cancel_key,
    progress_key,
)

logger = logging.getLogger(__name__)

# The running job writes its figures at most this often (and at the end of each phase).
PROGRESS_EVERY_SECONDS = 0.5
# Live figures and cancel flags outlive any job (the task time limit is 30 minutes).
CACHE_SECONDS = 24 * 60 * 60
# A running job with no end this long after it started lost its worker (time limit + margin).
STALE_AFTER = dt.timedelta(minutes=35)
NOT_QUEUED_MESSAGE = "Not started: the task queue was unreachable. Nothing was written."
CANCELLED_BEFORE_START = "Cancelled before it started: nothing was written."
CANCELLED_WHILE_RUNNING = "Cancelled while it ran: nothing was written."
WORKER_LOST = "The worker running this import stopped: nothing was written."
UNEXPECTED_ERROR = (
    "The import stopped on an unexpected error: nothing was written. Try again or tell support."
)


@dataclass(frozen=True)
class JobKind(Generic[JobT]):
    """What the shared lifecycle needs to know about one kind of job."""

    model: type[JobT]
    # Sends the Celery task that runs one job, given its id (core.tasks.enqueue with the task's
    # name; passed in because core's tasks import its services, never the other way round).
    enqueue: Callable[[int], object]
    cache_prefix: str  # live figures and cancel flag live under "<prefix>:<id>:..."
    discard: Callable[[str], None]  # deletes the kept file by its storage name
    record: Callable[[JobT, Any], int]  # copies a report's counts onto the job; returns its rows
    right: str  # what the requester may no longer do when the run is refused: "import devices"
    queue_down: str  # what ServiceUnavailable says when the task cannot be queued
    conflict: str  # what ConflictError says to the other of two clicks on one preview

    def progress_key(self, job_id: int) -> str:
        return progress_key(self.cache_prefix, job_id)

    def cancel_key(self, job_id: int) -> str:
        return cancel_key(self.cache_prefix, job_id)


class JobProgress(Progress):
    """Writes a running job's figures to the cache at most every PROGRESS_EVERY_SECONDS (and the
    last batch of each phase), and raises JobCancelled once a cancel was asked for."""

    def __init__(
        self, kind: JobKind[Any], job_id: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.kind = kind
        self.job_id = job_id
        self.clock = clock
        self.last = -PROGRESS_EVERY_SECONDS
        self.figures = JobFigures(phase=CHECKING, done=0, total=0)

    def update(self, *, phase: str, done: int, total: int) -> None:
        self.figures = JobFigures(phase=phase, done=done, total=total)
        now = self.clock()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        cache.set(self.kind.progress_key(self.job_id), asdict(self.figures), CACHE_SECONDS)
        if self.cancelled():
            raise JobCancelled(CANCELLED_WHILE_RUNNING)

    def cancelled(self) -> bool:
        if cache.get(self.kind.cancel_key(self.job_id)):
            return True
        return self.kind.model._default_manager.filter(pk=self.job_id, cancel_requested=True).exists()


# Queueing ------------------------------------------------------------------------------------


def job_queue(*, kind: JobKind[JobT], job: JobT) -> JobT:
    """Save a new pending job and queue its task once the caller's transaction commits (with no
    REDIS_URL it runs there and then, in-process).

    Raises ConflictError when another job already holds its kept file (the other of two clicks
    on one preview), and, from the commit, what ``job_enqueue`` raises.
    """
    job.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError as exc:
        raise ConflictError(kind.conflict) from exc
    transaction.on_commit(functools.partial(job_enqueue, kind, job.pk))
    return job


def job_enqueue(kind: JobKind[Any], job_id: int) -> None:
    """Send the job's task. When it cannot be sent the job fails at once, its file deleted, and
    ServiceUnavailable tells the caller to try again."""
    try:
        kind.enqueue(job_id)
    except ServiceUnavailable as exc:
        job_end(
            kind=kind,
            job=kind.model._default_manager.get(pk=job_id),
            status=JobStatus.FAILED,
            message=NOT_QUEUED_MESSAGE,
        )
        raise ServiceUnavailable(kind.queue_down) from exc


# Running and ending --------------------------------------------------------------------------


def job_run(*, kind: JobKind[JobT], job_id: int, body: Callable[[JobT, Progress], Any]) -> JobT | None:
    """Run a pending job (the Celery task's body): mark it running, call ``body(job, progress)``
    and end the job succeeded with the report it returns, or failed or cancelled by what it raises:
    JobCancelled ends it cancelled; JobRejected failed with its report's counts and row errors;
    PermissionDenied, DomainError and any other error failed with a message.

    Safe to run twice: a job that already ended is left alone (returns None); a job found
    running again is one whose worker was lost, and runs again from the start (the body is all
    or nothing, so the lost run wrote nothing). The kept file is deleted whatever the end. A
    database outage (OperationalError) propagates for the task to retry.
    """
    now = timezone.now()
    manager = kind.model._default_manager
    claimed = manager.filter(pk=job_id, status__in=ACTIVE_JOB_STATUSES, cancel_requested=False).update(
        status=JobStatus.RUNNING, started_at=now, phase=CHECKING, updated_at=now
    )
    job = manager.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        return None
    if not claimed:
        if job.is_active:  # cancelled before it started
            return job_end(kind=kind, job=job, status=JobStatus.CANCELLED, message=CANCELLED_BEFORE_START)
        return None
    progress = JobProgress(kind, job.pk)
    status, message, report = JobStatus.FAILED, "", None
    try:
        report = body(job, progress)
    except JobCancelled as exc:
        status, message = JobStatus.CANCELLED, str(exc)
    except JobRejected as exc:
        message, report = str(exc), exc.report
    except PermissionDenied:
        message = f"{job.requested_by} may no longer {kind.right}: nothing was written."
    except DomainError as exc:
        message = str(exc)
    except OperationalError:
        raise
    except Exception:
        logger.exception("%s %s failed", kind.model.__name__, job.pk)
        message = UNEXPECTED_ERROR
    else:
        return job_end(kind=kind, job=job, status=JobStatus.SUCCEEDED, report=report)
    return job_end(
        kind=kind, job=job, status=status, message=message, report=report, figures=progress.figures
    )


def job_end(
    *,
    kind: JobKind[JobT],
    job: JobT,
    status: str,
    message: str = "",
    report: Any = None,
    figures: JobFigures | None = None,
) -> JobT:
    """Record how the job ended (its last figures, the report's counts and first row errors),
    and delete its kept file, live figures and cancel flag."""
    job.status, job.finished_at, job.error_message = status, timezone.now(), message
    # A cancel asked for from this connection (a test, or eagerly in-process) rolled back with
    # the body; the row still says it was asked for.
    job.cancel_requested = job.cancel_requested or status == JobStatus.CANCELLED
    if figures is not None:
        job.phase, job.rows_done, job.rows_total = figures.phase, figures.done, figures.total
    if report is not None:
        rows = kind.record(job, report)
        job.rows_refused = report.error_rows
        job.row_errors = [asdict(issue) for issue in report.errors[: job.ROW_ERRORS_KEPT]]
        if status == JobStatus.SUCCEEDED:
            job.phase, job.rows_done, job.rows_total = WRITING, rows, rows
    job.save()
    kind.discard(job.storage_name)
    cache.delete_many([kind.progress_key(job.pk), kind.cancel_key(job.pk)])
    return job


# Cancelling and sweeping ---------------------------------------------------------------------


def job_cancel(*, kind: JobKind[JobT], job: JobT) -> JobT:
    """Ask a job to stop (the caller checked the right to). A pending job ends cancelled at
    once; a running one at its next progress write, with nothing written. Raises DomainError
    when the job has already ended, leaving no cancel flag behind."""
    if job.is_active:
        # First, so a running import on SQLite (which holds the write lock) stops and frees it.
        cache.set(kind.cancel_key(job.pk), True, CACHE_SECONDS)
    with transaction.atomic():
        job = kind.model._default_manager.select_for_update().get(pk=job.pk)
        if not job.is_active:
            # The caller's copy was stale: take back the flag set for it above, so it never
            # stops a later job (ids repeat on SQLite after a rollback).
            cache.delete(kind.cancel_key(job.pk))
            raise DomainError(f"This import has already ended: {job.get_status_display().lower()}.")
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested", "updated_at"])
        if job.status == JobStatus.PENDING:
            job = job_end(kind=kind, job=job, status=JobStatus.CANCELLED, message=CANCELLED_BEFORE_START)
    return job


def jobs_fail_stale(*, kind: JobKind[Any], now: dt.datetime, pending_max_age: dt.timedelta) -> int:
    """End failed, with their files deleted, the jobs whose worker was lost: running with no end
    STALE_AFTER after they started, or pending longer than a preview lives. Returns how many."""
    manager = kind.model._default_manager
    stale = manager.filter(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER) | manager.filter(
        status=JobStatus.PENDING, created_at__lt=now - pending_max_age
    )
    ended = 0
    for job in stale:
        job_end(kind=kind, job=job, status=JobStatus.FAILED, message=WORKER_LOST)
        ended += 1
    return ended
