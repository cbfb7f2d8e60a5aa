"""Roster imports as background jobs, the same way device imports run: keep the export between
preview and confirmation, start a job, run it in a Celery task with progress and cancel in the
cache, and end it in any state with its kept export deleted.

The lifecycle is every background job's (``core.services.jobs``); this module describes roster
imports to it (``ROSTER_JOBS``). Their own row and cache keys keep them apart from device
imports: the two histories, permissions and counts differ, and fleet cannot know about students.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import tasks as core_tasks
from core.exceptions import DomainError
from core.services import jobs as core_jobs
from core.services.job_progress import Progress
from students import permissions
from students.models import RosterImportJob
from students.selectors import ROSTER_JOB_CACHE_PREFIX
from students.services.roster import RosterReport, roster_bundle, roster_import

UPLOAD_DIR = "roster-imports"
SALT = "students.services.roster_jobs"
MAX_AGE = dt.timedelta(hours=2)


def _record(job: RosterImportJob, report: RosterReport) -> int:
    job.students_created, job.students_updated = report.created, report.updated
    job.students_unchanged, job.staff_skipped = report.unchanged, report.staff
    return report.students


def _discard(name: str) -> None:
    if name:
        default_storage.delete(name)


ROSTER_JOBS = core_jobs.JobKind(
    model=RosterImportJob,
    enqueue=lambda job_id: core_tasks.enqueue("students.tasks.roster_job_run_task", job_id),
    cache_prefix=ROSTER_JOB_CACHE_PREFIX,
    discard=_discard,
    record=_record,
    right="import rosters",
    queue_down=(
        "The task queue is unreachable, so the import did not start. Upload the export again in a minute."
    ),
    conflict="This preview was just confirmed: its import is in the history.",
)


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
        core_jobs.job_queue(kind=ROSTER_JOBS, job=job)
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


# Running, cancelling and sweeping ------------------------------------------------------------


def roster_job_run(*, job_id: int) -> RosterImportJob | None:
    """Run a pending job (the Celery task's body) and end it succeeded, failed (with its row
    errors) or cancelled. Safe to run twice (``core.services.jobs.job_run``)."""
    return core_jobs.job_run(kind=ROSTER_JOBS, job_id=job_id, body=_import)


def _import(job: RosterImportJob, progress: Progress) -> RosterReport:
    data = roster_upload_data(name=job.storage_name)
    if data is None:
        raise DomainError("The uploaded export is no longer here. Upload it again.")
    return roster_import(data=data, actor=job.requested_by, valid_only=job.valid_only, progress=progress)


def roster_job_cancel(*, job: RosterImportJob, actor: User) -> RosterImportJob:
    """Ask a job to stop: a pending one ends cancelled at once, a running one at its next progress
    write, with nothing written. Raises PermissionDenied, and DomainError once it has ended."""
    if not permissions.can_import_rosters(actor):
        raise PermissionDenied
    return core_jobs.job_cancel(kind=ROSTER_JOBS, job=job)


def roster_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail jobs whose worker was lost and delete exports nobody confirmed; returns files deleted."""
    now = now or timezone.now()
    core_jobs.jobs_fail_stale(kind=ROSTER_JOBS, now=now, pending_max_age=MAX_AGE)
    return _sweep(now=now)
