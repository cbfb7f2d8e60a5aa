"""Imports as background jobs: start one from a preview (or an API upload), run it in a Celery
task with progress and cancel, and end it in any state with its kept file deleted.

Live progress goes through the cache, not the job's row. The import runs inside one
transaction, so rows it writes are invisible to the polling page until it commits; a second
database connection would make them visible on PostgreSQL, but on SQLite it would wait for the
import's write lock (one writer at a time). The cache works the same on both: Redis (shared by
web and worker processes) when ``REDIS_URL`` is set, and local memory otherwise, where the job
runs eagerly in the request's own process. The row gets the last figures when the job ends.

Cancelling sets the cache flag first, then ``cancel_requested`` on the row; the running import
checks both at each progress write (PostgreSQL's read committed lets the import's own connection
see the committed flag), raises ImportCancelled and everything it did rolls back.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import asdict

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.models import User
from core import tasks as core_tasks
from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from fleet import permissions
from fleet.choices import ImportJobStatus
from fleet.models import ImportJob
from fleet.selectors.imports import JobFigures, cancel_key, progress_key
from fleet.services.importing import uploads
from fleet.services.importing.progress import CHECKING, WRITING, ImportCancelled, Progress
from fleet.services.importing.report import ImportFormat, ImportRejected, ImportReport
from fleet.services.importing.service import default_location_get, devices_import

logger = logging.getLogger(__name__)

TASK_NAME = "fleet.tasks.import_job_run_task"
# The running job writes its figures at most this often (and at the end of each phase).
PROGRESS_EVERY_SECONDS = 0.5
# Live figures and cancel flags outlive any job (the task time limit is 30 minutes).
CACHE_SECONDS = 24 * 60 * 60
# A running job with no end this long after it started lost its worker (time limit + margin).
STALE_AFTER = dt.timedelta(minutes=35)
NOT_QUEUED_MESSAGE = "Not started: the task queue was unreachable. Nothing was written."
CANCELLED_BEFORE_START = "Cancelled before it started: nothing was written."
WORKER_LOST = "The worker running this import stopped: nothing was written."


class JobProgress(Progress):
    """Writes a running job's figures to the cache at most every PROGRESS_EVERY_SECONDS (and the
    last batch of each phase), and raises ImportCancelled once a cancel was asked for."""

    def __init__(self, job_id: int, *, clock: Callable[[], float] = time.monotonic) -> None:
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
        cache.set(progress_key(self.job_id), asdict(self.figures), CACHE_SECONDS)
        if self.cancelled():
            raise ImportCancelled("Cancelled while it ran: nothing was written.")

    def cancelled(self) -> bool:
        if cache.get(cancel_key(self.job_id)):
            return True
        return ImportJob.objects.filter(pk=self.job_id, cancel_requested=True).exists()


# Starting ------------------------------------------------------------------------------------


def import_job_start(*, actor: User, token: str) -> ImportJob:
    """Confirm a preview: create a pending job for the file it kept, with its options, and queue
    it once the transaction commits (with no REDIS_URL it runs there and then, in-process).

    Returns the job as it stands afterwards. Raises PermissionDenied, DomainError for an expired,
    foreign or already confirmed preview, and ServiceUnavailable when the job cannot be queued
    (the job is then failed and its file deleted).
    """
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    pending = uploads.upload_pending(token=token, user_id=actor.pk)
    with transaction.atomic():
        job = _job_create(actor=actor, pending=pending)
    job.refresh_from_db()
    return job


def import_job_create(
    *,
    actor: User,
    data: bytes | File,
    filename: str,
    file_format: str = ImportFormat.AUTO,
    valid_only: bool = False,
    default_location: str = "",
) -> ImportJob:
    """Keep an uploaded file and start a job for it at once, without a preview (the API).

    Raises PermissionDenied, DomainError naming ``file`` for a file over the size cap and naming
    ``location`` for a default location that is unknown or inactive (nothing is kept then), and
    what ``import_job_start`` raises. Row problems end the job failed, with its row errors.
    """
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    default_location_get(default_location, actor=actor)
    pending = uploads.PendingImport(
        name="",
        filename=filename,
        file_format=ImportFormat(file_format),
        valid_only=valid_only,
        default_location=default_location,
        user_id=actor.pk,
    )
    token = uploads.upload_keep(data=data, pending=pending)
    try:
        return import_job_start(actor=actor, token=token)
    except DomainError:
        uploads.upload_discard(name=uploads.upload_pending(token=token, user_id=actor.pk).name)
        raise


def _job_create(*, actor: User, pending: uploads.PendingImport) -> ImportJob:
    if ImportJob.objects.filter(storage_name=pending.name).exists():
        raise DomainError("This preview was already confirmed: its import is in the import history.")
    job = ImportJob(
        requested_by=actor,
        file_name=pending.filename[:255],
        file_format=pending.file_format,
        valid_only=pending.valid_only,
        default_location=pending.default_location,
        storage_name=pending.name,
    )
    job.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError as exc:  # the other of two clicks on the same preview
        raise ConflictError("This preview was just confirmed: its import is in the import history.") from exc
    transaction.on_commit(functools.partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    """Send the job's task. When it cannot be sent the job fails at once, its file deleted, and
    ServiceUnavailable tells the caller to try again."""
    try:
        core_tasks.enqueue(TASK_NAME, job_id)
    except ServiceUnavailable as exc:
        job = ImportJob.objects.get(pk=job_id)
        _end(job, ImportJobStatus.FAILED, message=NOT_QUEUED_MESSAGE)
        raise ServiceUnavailable(
            "The task queue is unreachable, so the import could not start. Upload the file again in a minute."
        ) from exc


# Running -------------------------------------------------------------------------------------


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a pending job (the Celery task's body): mark it running, import its file with
    progress, and end it succeeded, failed (with the message and row errors) or cancelled.

    Safe to run twice: a job that already ended is left alone (returns None); a job found
    running again is one whose worker was lost, and runs again from the start (the import is
    all or nothing, so the lost run wrote nothing). The kept file is deleted whatever the end.
    A database outage (OperationalError) propagates for the task to retry.
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=(ImportJobStatus.PENDING, ImportJobStatus.RUNNING), cancel_requested=False
    ).update(status=ImportJobStatus.RUNNING, started_at=now, phase=CHECKING, updated_at=now)
    job = ImportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        return None
    if not claimed:
        if job.is_active:  # cancelled before it started
            return _end(job, ImportJobStatus.CANCELLED, message=CANCELLED_BEFORE_START)
        return None
    progress = JobProgress(job.pk)
    report: ImportReport | None = None
    try:
        path = uploads.upload_path(name=job.storage_name)
        if path is None:
            raise DomainError("The uploaded file is no longer here. Upload it again.")
        report = devices_import(
            data=path,
            actor=job.requested_by,
            file_format=job.file_format,
            valid_only=job.valid_only,
            default_location=job.default_location,
            source=job.file_name,
            progress=progress,
        )
    except ImportCancelled as exc:
        return _end(job, ImportJobStatus.CANCELLED, message=str(exc), figures=progress.figures)
    except ImportRejected as exc:
        figures = progress.figures
        return _end(job, ImportJobStatus.FAILED, message=str(exc), report=exc.report, figures=figures)
    except PermissionDenied:
        message = f"{job.requested_by} may no longer import devices: nothing was written."
        return _end(job, ImportJobStatus.FAILED, message=message, figures=progress.figures)
    except DomainError as exc:
        return _end(job, ImportJobStatus.FAILED, message=str(exc), figures=progress.figures)
    except OperationalError:
        raise
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        message = "The import stopped on an unexpected error: nothing was written. Try again or tell support."
        return _end(job, ImportJobStatus.FAILED, message=message, figures=progress.figures)
    return _end(job, ImportJobStatus.SUCCEEDED, report=report)


def _end(
    job: ImportJob,
    status: str,
    *,
    message: str = "",
    report: ImportReport | None = None,
    figures: JobFigures | None = None,
) -> ImportJob:
    """Record how the job ended and delete its file and live figures."""
    job.status, job.finished_at, job.error_message = status, timezone.now(), message
    # A cancel asked for from this connection (a test, or eagerly in-process) rolled back with
    # the import; the row still says it was asked for.
    job.cancel_requested = job.cancel_requested or status == ImportJobStatus.CANCELLED
    if figures is not None:
        job.phase, job.rows_done, job.rows_total = figures.phase, figures.done, figures.total
    if report is not None:
        job.devices_created, job.devices_updated = report.created, report.updated
        job.devices_unchanged, job.rows_refused = report.unchanged, report.error_rows
        job.row_errors = [asdict(issue) for issue in report.errors[: ImportJob.ROW_ERRORS_KEPT]]
        if status == ImportJobStatus.SUCCEEDED:
            job.phase, job.rows_done, job.rows_total = WRITING, report.rows, report.rows
    job.save()
    uploads.upload_discard(name=job.storage_name)
    cache.delete_many([progress_key(job.pk), cancel_key(job.pk)])
    return job


# Cancelling and sweeping ---------------------------------------------------------------------


def import_job_cancel(*, job: ImportJob, actor: User) -> ImportJob:
    """Ask a job to stop. A pending job ends cancelled at once; a running one at its next
    progress write, with nothing written. Raises PermissionDenied, and DomainError when the job
    has already ended."""
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    if job.is_active:
        # First, so a running import on SQLite (which holds the write lock) stops and frees it.
        cache.set(cancel_key(job.pk), True, CACHE_SECONDS)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            raise DomainError(f"This import has already ended: {job.get_status_display().lower()}.")
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested", "updated_at"])
        if job.status == ImportJobStatus.PENDING:
            job = _end(job, ImportJobStatus.CANCELLED, message=CANCELLED_BEFORE_START)
    return job


def import_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail jobs whose worker was lost, and delete files kept by previews nobody confirmed.

    A running job with no end STALE_AFTER after it started, or a pending one older than a
    preview's life, ends failed with its file deleted. Returns how many files went. Safe to run
    at any time and twice.
    """
    now = now or timezone.now()
    stale = ImportJob.objects.filter(status=ImportJobStatus.RUNNING, started_at__lt=now - STALE_AFTER) | (
        ImportJob.objects.filter(status=ImportJobStatus.PENDING, created_at__lt=now - uploads.MAX_AGE)
    )
    for job in stale:
        _end(job, ImportJobStatus.FAILED, message=WORKER_LOST)
    return uploads.uploads_sweep(keep=set(ImportJob.objects.active().values_list("storage_name", flat=True)))
