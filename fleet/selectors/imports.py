"""Reads of device-import jobs for the history page, the job page and the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from core.models import MAX_ID
from core.services import job_progress as core_jobs
from fleet.models import ImportJob

UserLike = User | AnonymousUser
ROW_ERROR_COLUMNS = ("row", "asset_tag", "serial", "reason", "detail")
# Where a job's live figures and cancel flag live in the cache (written by
# fleet.services.importing.jobs: the import's transaction hides what it writes to the database).
CACHE_PREFIX = "fleet:import-job"


def progress_key(job_id: int) -> str:
    return core_jobs.progress_key(CACHE_PREFIX, job_id)


def cancel_key(job_id: int) -> str:
    return core_jobs.cancel_key(CACHE_PREFIX, job_id)


@dataclass(frozen=True)
class JobFigures(core_jobs.JobFigures):
    """Rows done of total in a device import's current (or last) phase, named for its page."""

    LABELS: ClassVar[dict[str, str]] = {
        core_jobs.CHECKING: "rows checked",
        core_jobs.WRITING: "devices written",
    }


def import_job_list(*, user: UserLike) -> QuerySet[ImportJob]:
    """The import jobs the user may see, newest first; one query whatever the page size."""
    return ImportJob.objects.visible_to(user).select_related("requested_by").defer("row_errors")


def import_job_get(*, user: UserLike, job_id: int) -> ImportJob:
    """One job the user may see. Raises Http404 otherwise."""
    if not 0 < job_id <= MAX_ID:
        raise Http404("No such import.")
    try:
        return ImportJob.objects.visible_to(user).select_related("requested_by").get(pk=job_id)
    except ImportJob.DoesNotExist as exc:
        raise Http404("No such import.") from exc


def import_job_progress(*, job: ImportJob) -> JobFigures:
    """Rows done of total: live from the cache while the job runs, else as the job ended."""
    return core_jobs.job_figures(job=job, prefix=CACHE_PREFIX, figures=JobFigures)


def import_job_error_rows(*, job: ImportJob) -> Iterator[list[object]]:
    """The job's row errors as CSV rows, header first."""
    yield ["Row", "Asset tag", "Serial", "Problem", "Detail"]
    for issue in job.row_errors:
        yield [issue.get(column, "") for column in ROW_ERROR_COLUMNS]
