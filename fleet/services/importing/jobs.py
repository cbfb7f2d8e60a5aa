"""Imports as background jobs: start one from a preview (or an API upload), run it in a Celery
task with progress and cancel, and end it in any state with its kept file deleted.

The lifecycle (progress and cancel flag in the cache, the ends, the sweep of lost jobs) is every
background job's: ``core.services.jobs``. This module describes device imports to it
(``IMPORT_JOBS``) and owns what is theirs: starting from a preview, the right to import, and the
body that imports the kept file.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import tasks as core_tasks
from core.exceptions import DomainError
from core.services import jobs as core_jobs
from core.services.job_progress import Progress
from fleet import permissions
from fleet.models import ImportJob
from fleet.selectors.imports import CACHE_PREFIX
from fleet.services.importing import uploads
from fleet.services.importing.report import ImportFormat, ImportReport
from fleet.services.importing.service import default_location_get, devices_import


def _record(job: ImportJob, report: ImportReport) -> int:
    job.devices_created, job.devices_updated = report.created, report.updated
    job.devices_unchanged = report.unchanged
    return report.rows


IMPORT_JOBS = core_jobs.JobKind(
    model=ImportJob,
    enqueue=lambda job_id: core_tasks.enqueue("fleet.tasks.import_job_run_task", job_id),
    cache_prefix=CACHE_PREFIX,
    discard=lambda name: uploads.upload_discard(name=name),
    record=_record,
    right="import devices",
    queue_down=(
        "The task queue is unreachable, so the import could not start. Upload the file again in a minute."
    ),
    conflict="This preview was just confirmed: its import is in the import history.",
)


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
    return core_jobs.job_queue(kind=IMPORT_JOBS, job=job)


# Running, cancelling and sweeping ------------------------------------------------------------


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a pending job (the Celery task's body): import its file with progress, and end it
    succeeded, failed (with the message and row errors) or cancelled, its file deleted.

    Safe to run twice (``core.services.jobs.job_run``). A database outage (OperationalError)
    propagates for the task to retry.
    """
    return core_jobs.job_run(kind=IMPORT_JOBS, job_id=job_id, body=_import)


def _import(job: ImportJob, progress: Progress) -> ImportReport:
    path = uploads.upload_path(name=job.storage_name)
    if path is None:
        raise DomainError("The uploaded file is no longer here. Upload it again.")
    return devices_import(
        data=path,
        actor=job.requested_by,
        file_format=job.file_format,
        valid_only=job.valid_only,
        default_location=job.default_location,
        source=job.file_name,
        progress=progress,
    )


def import_job_cancel(*, job: ImportJob, actor: User) -> ImportJob:
    """Ask a job to stop. A pending job ends cancelled at once; a running one at its next
    progress write, with nothing written. Raises PermissionDenied, and DomainError when the job
    has already ended (leaving no cancel flag behind for a later job with its id)."""
    if not permissions.can_import_devices(actor):
        raise PermissionDenied
    return core_jobs.job_cancel(kind=IMPORT_JOBS, job=job)


def import_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Fail jobs whose worker was lost, and delete files kept by previews nobody confirmed.

    A running job with no end STALE_AFTER after it started, or a pending one older than a
    preview's life, ends failed with its file deleted. Returns how many files went. Safe to run
    at any time and twice.
    """
    core_jobs.jobs_fail_stale(kind=IMPORT_JOBS, now=now or timezone.now(), pending_max_age=uploads.MAX_AGE)
    return uploads.uploads_sweep(keep=set(ImportJob.objects.active().values_list("storage_name", flat=True)))
