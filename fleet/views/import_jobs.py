"""Device-import jobs in the browser: the history, a job's page with its live progress and
cancel, and its row errors as CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import render_page_or_fragment
from core.services.exports import csv_response
from fleet import permissions
from fleet.models import ImportJob
from fleet.selectors import imports as selectors
from fleet.services.importing import jobs

DETAIL_TEMPLATE = "fleet/import_job_detail.html"
# The history shows the newest jobs; older ones stay in the API's paginated list.
HISTORY_SHOWN = 200
# The job page lists this many row errors; the CSV has every one kept.
ERRORS_SHOWN = 100


def _require_import(request: HtmxHttpRequest) -> None:
    if not permissions.can_import_devices(request.user):
        raise PermissionDenied


@require_GET
@login_required
def import_job_list(request: HtmxHttpRequest) -> HttpResponse:
    """Who imported which file when, how it ended and with what counts."""
    _require_import(request)
    job_list = list(selectors.import_job_list(user=request.user)[:HISTORY_SHOWN])
    return render_page_or_fragment(
        request,
        "fleet/import_job_list.html",
        "import-jobs",
        {"jobs": job_list, "shown": HISTORY_SHOWN},
    )


def _status_context(job: ImportJob, *, error: str = "") -> dict[str, object]:
    return {
        "job": job,
        "figures": selectors.import_job_progress(job=job),
        "errors_shown": ERRORS_SHOWN,
        "cancel_error": error,
    }


@require_GET
@login_required
def import_job_detail(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """The job's page; for htmx only its status panel, which polls itself while the job runs."""
    _require_import(request)
    job = selectors.import_job_get(user=request.user, job_id=job_id)
    return render_page_or_fragment(request, DETAIL_TEMPLATE, "import-job-status", _status_context(job))


@require_POST
@login_required
def import_job_cancel(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """Ask the job to stop; the status panel shows it stopping (an ended job: the error, 400)."""
    _require_import(request)
    job = selectors.import_job_get(user=request.user, job_id=job_id)
    try:
        job = jobs.import_job_cancel(job=job, actor=request.user)
    except DomainError as exc:
        job.refresh_from_db()
        return render_page_or_fragment(
            request, DETAIL_TEMPLATE, "import-job-status", _status_context(job, error=str(exc)), status=400
        )
    if request.htmx:
        return render_page_or_fragment(request, DETAIL_TEMPLATE, "import-job-status", _status_context(job))
    return redirect("fleet:import_job_detail", job_id=job.pk)


@require_GET
@login_required
def import_job_errors(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """The job's row errors as a CSV download (at most ImportJob.ROW_ERRORS_KEPT of them)."""
    _require_import(request)
    job = selectors.import_job_get(user=request.user, job_id=job_id)
    filename = f"import-{job.pk}-row-errors-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(selectors.import_job_error_rows(job=job), filename=filename)
