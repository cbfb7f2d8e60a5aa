"""Reads of device-import jobs for the history page, the job page and the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from core.models import MAX_ID
from fleet.models import ImportJob

UserLike = User | AnonymousUser
ROW_ERROR_COLUMNS = ("row", "asset_tag", "serial", "reason", "detail")
# The phases fleet.services.importing.progress names, as the job page says them.
PHASE_LABELS = {"checking": "rows checked", "writing": "devices written"}


# A running job's live figures and its cancel flag, in the cache (written by
# fleet.services.importing.jobs: the import's transaction hides what it writes to the database).
def progress_key(job_id: int) -> str:
    return f"fleet:import-job:{job_id}:progress"


def cancel_key(job_id: int) -> str:
    return f"fleet:import-job:{job_id}:cancel"


@dataclass(frozen=True)
class JobFigures:
    """Rows done of total in the job's current (or last) phase."""

    phase: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def label(self) -> str:
        return PHASE_LABELS.get(self.phase, "rows")


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
    if job.is_active:
        live = cache.get(progress_key(job.pk))
        if isinstance(live, dict):
            return JobFigures(**live)
    return JobFigures(phase=job.phase, done=job.rows_done, total=job.rows_total)


def import_job_error_rows(*, job: ImportJob) -> Iterator[list[object]]:
    """The job's row errors as CSV rows, header first."""
    yield ["Row", "Asset tag", "Serial", "Problem", "Detail"]
    for issue in job.row_errors:
        yield [issue.get(column, "") for column in ROW_ERROR_COLUMNS]
