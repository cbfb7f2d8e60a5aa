"""Roster imports as background jobs, the same way device imports run (``fleet.services.importing
.jobs``): keep the export between preview and confirmation, start a job, run it in a Celery task
with progress and cancel in the cache, and end it in any state with its kept export deleted.

The job's own row (``RosterImportJob``) and cache keys keep it apart from device imports: the two
histories, permissions and counts differ, and fleet cannot know about students.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.models import User
from core import tasks as core_tasks
from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from fleet.choices import ImportJobStatus
from fleet.selectors.imports import JobFigures
from fleet.services.importing.progress import CHECKING, WRITING, ImportCancelled, Progress
from students import permissions
from students.models import RosterImportJob
from students.selectors import cancel_key, progress_key
from students.services.roster import RosterRejected, RosterReport, roster_bundle, roster_import

logger = logging.getLogger(__name__)

TASK_NAME = "students.tasks.roster_job_run_task"
UPLOAD_DIR = "roster-imports"
SALT = "students.services.roster_jobs"
MAX_AGE = dt.timedelta(hours=2)
PROGRESS_EVERY_SECONDS = 0.5
CACHE_SECONDS = 24 * 60 * 60
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
        if (
            cache.get(cancel_key(self.job_id))
            or RosterImportJob.objects.filter(pk=self.job_id, cancel_requested=True).exists()
        ):
            raise ImportCancelled("Cancelled while it ran: nothing was written.")


# Keeping the export between preview and confirmation ------------------------------------------


@dataclass(frozen=True)
class PendingRoster:
    name: str
    filename: str
    valid_only: bool
    user_id: int


def roster_upload_keep(
    *, files: list[tuple[str, bytes]], filename: str, user_id: int, valid_only: bool
) -> str:
    """Bundle the uploaded export into one zip, keep it, and return the signed token naming it.
    Raises RosterFileError (naming ``file``) for an export over the cap or missing a file."""
    bundle = roster_bundle(files=files)
    _sweep()
    name = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.zip", ContentFile(bundle))
    pending = PendingRoster(name=name, filename=filename[:255], valid_only=valid_only, user_id=user_id)
    return signing.dumps(asdict(pending), salt=SALT)


def roster_upload_pending(*, token: str, user_id: int) -> PendingRoster:
    """The kept export a token names. Raises DomainError for a bad, stale or foreign token."""
    try:
        pending = PendingRoster(**signing.loads(token, salt=SALT, max_age=MAX_AGE))
    except signing.SignatureExpired as exc:
        raise DomainError("This preview has expired. Upload the export again.") from exc
    except (signing.BadSignature, TypeError) as exc:
        raise DomainError("This preview is not valid. Upload the export again.") from exc
    if pending.user_id != user_id:
        raise DomainError("This preview belongs to someone else. Upload the export again.")
    if not default_storage.exists(pending.name):
        raise DomainError("The uploaded export is no longer here (already imported?). Upload it again.")
    return pending


def roster_upload_data(*, name: str) -> bytes | None:
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as kept:
        data: bytes = kept.read()
    return data


def _discard(name: str) -> None:
    if name:
        default_storage.delete(name)


def _sweep(*, now: dt.datetime | None = None) -> int:
    """Delete kept exports older than MAX_AGE that no job still needs."""
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return 0
    keep = set(RosterImportJob.objects.active().values_list("storage_name", flat=True))
    cutoff = (now or timezone.now()) - MAX_AGE
    removed = 0
    for filename in names:
        name = f"{UPLOAD_DIR}/{filename}"
        try:
            if name not in keep and default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                removed += 1
        except (FileNotFoundError, NotImplementedError):
            continue
    return removed


# Starting ------------------------------------------------------------------------------------


def roster_job_start(*, actor: User, token: str) -> RosterImportJob:
    """Confirm a preview: create a pending job for its kept export and queue it once the
    transaction commits (with no REDIS_URL it runs there and then, in-process).

    Raises PermissionDenied, DomainError for an expired, foreign or already confirmed preview,
    ConflictError for a double click, and ServiceUnavailable when the job cannot be queued (it is
    then failed and its export deleted).
    """
    if not permissions.can_import_rosters(actor):
        raise PermissionDenied
    pending = roster_upload_pending(token=token, user_id=actor.pk)
    if RosterImportJob.objects.filter(storage_name=pending.name).exists():
        raise DomainError("This preview was already confirmed: its import is in the roster import history.")
    with transaction.atomic():
        job = RosterImportJob(
            requested_by=actor,
            file_name=pending.filename,
            valid_only=pending.valid_only,
            storage_name=pending.name,
        )
        job.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError as exc:
            raise ConflictError("This preview was just confirmed: its import is in the history.") from exc
        transaction.on_commit(functools.partial(_enqueue, job.pk))
    job.refresh_from_db()
    return job


def roster_job_create(
    *, actor: User, files: list[tuple[str, bytes]], filename: str, valid_only: bool = False
) -> RosterImportJob:
    """Keep an uploaded export and start its job at once, without a preview (the API).
    Raises PermissionDenied, RosterFileError, and what ``roster_job_start`` raises."""
    if not permissions.can_import_rosters(actor):
        raise PermissionDenied
    token = roster_upload_keep(files=files, filename=filename, user_id=actor.pk, valid_only=valid_only)
    return roster_job_start(actor=actor, token=token)


def _enqueue(job_id: int) -> None:
    try:
        core_tasks.enqueue(TASK_NAME, job_id)
    except ServiceUnavailable as exc:
        _end(RosterImportJob.objects.get(pk=job_id), ImportJobStatus.FAILED, message=NOT_QUEUED_MESSAGE)
        raise ServiceUnavailable(
            "The task queue is unreachable, so the import did not start. Upload the export again in a minute."
        ) from exc


# Running -------------------------------------------------------------------------------------


def roster_job_run(*, job_id: int) -> RosterImportJob | None:
    """Run a pending job (the Celery task's body) and end it succeeded, failed (with its row
    errors) or cancelled. Safe to run twice: an ended job is left alone (None); one found running
    lost its worker and runs again from the start (the lost run wrote nothing)."""
    now = timezone.now()
    claimed = RosterImportJob.objects.filter(
        pk=job_id, status__in=(ImportJobStatus.PENDING, ImportJobStatus.RUNNING), cancel_requested=False
    ).update(status=ImportJobStatus.RUNNING, started_at=now, phase=CHECKING, updated_at=now)
    job = RosterImportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        return None
    if not claimed:
        if job.is_active:
            return _end(job, ImportJobStatus.CANCELLED, message=CANCELLED_BEFORE_START)
        return None
    progress = JobProgress(job.pk)
    try:
        data = roster_upload_data(name=job.storage_name)
        if data is None:
            raise DomainError("The uploaded export is no longer here. Upload it again.")
        report = roster_import(
            data=data, actor=job.requested_by, valid_only=job.valid_only, progress=progress
        )
    except ImportCancelled as exc:
        return _end(job, ImportJobStatus.CANCELLED, message=str(exc), figures=progress.figures)
    except RosterRejected as exc:
        return _end(
            job, ImportJobStatus.FAILED, message=str(exc), report=exc.report, figures=progress.figures
        )
    except PermissionDenied:
        message = f"{job.requested_by} may no longer import rosters: nothing was written."
        return _end(job, ImportJobStatus.FAILED, message=message, figures=progress.figures)
    except DomainError as exc:
        return _end(job, ImportJobStatus.FAILED, message=str(exc), figures=progress.figures)
    except OperationalError:
        raise
    except Exception:
        logger.exception("Roster import job %s failed", job.pk)
        message = "The import stopped on an unexpected error: nothing was written. Try again or tell support."
        return _end(job, ImportJobStatus.FAILED, message=message, figures=progress.figures)
    return _end(job, ImportJobStatus.SUCCEEDED, report=report)


def _end(
    job: RosterImportJob,
    status: str,
    *,
    message: str = "",
    report: RosterReport | None = None,
    figures: JobFigures | None = None,
) -> RosterImportJob:
    job.status, job.finished_at, job.error_message = status, timezone.now(), message
    job.cancel_requested = job.cancel_requested or status == ImportJobStatus.CANCELLED
    if figures is not None:
        job.phase, job.rows_done, job.rows_total = figures.phase, figures.done, figures.total
    if report is not None:
        job.students_created, job.students_updated = report.created, report.updated
        job.students_unchanged, job.staff_skipped = report.unchanged, report.staff
        job.rows_refused = report.error_rows
        job.row_errors = [asdict(issue) for issue in report.errors[: RosterImportJob.ROW_ERRORS_KEPT]]
        if status == ImportJobStatus.SUCCEEDED:
            job.phase, job.rows_done, job.rows_total = WRITING, report.students, report.students
    job.save()
    _discard(job.storage_name)
    cache.delete_many([progress_key(job.pk), cancel_key(job.pk)])
    return job


def roster_job_cancel(*, job: RosterImportJob, actor: User) -> RosterImportJob:
    """Ask a job to stop: a pending one ends cancelled at once, a running one at its next progress
    write, with nothing written. Raises PermissionDenied, and DomainError once it has ended."""
    if not permissions.can_import_rosters(actor):
        raise PermissionDenied
    if job.is_active:
        cache.set(cancel_key(job.pk), True, CACHE_SECONDS)
    with transaction.atomic():
        job = RosterImportJob.objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            # The caller's copy was stale: take back the flag set for it above, so it never
            # stops a later job (ids repeat on SQLite after a rollback).
            cache.delete(cancel_key(job.pk))
            raise DomainError(f"This import has already ended: {job.get_status_display().lower()}.")
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested", "updated_at"])
        if job.status == ImportJobStatus.PENDING:
            job = _end(job, ImportJobStatus.CANCELLED, message=CANCELLED_BEFORE_START)
    return job


def roster_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail jobs whose worker was lost and delete exports nobody confirmed; returns files deleted."""
    now = now or timezone.now()
    stale = RosterImportJob.objects.filter(
        status=ImportJobStatus.RUNNING, started_at__lt=now - STALE_AFTER
    ) | RosterImportJob.objects.filter(status=ImportJobStatus.PENDING, created_at__lt=now - MAX_AGE)
    for job in stale:
        _end(job, ImportJobStatus.FAILED, message=WORKER_LOST)
    return _sweep(now=now)
