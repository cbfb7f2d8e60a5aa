"""Import students from a OneRoster export in the browser: upload, preview with counts and row
errors (and questions about unmatched schools), confirm, and follow the background job."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError, ServiceUnavailable
from core.htmx import domain_error_status, is_partial, render_page_or_fragment
from core.services.exports import csv_response
from fleet.selectors import devices as fleet_selectors
from students import permissions, selectors
from students.forms import RosterImportForm
from students.models import RosterImportJob
from students.services import roster, roster_jobs

TEMPLATE = "students/roster_import.html"
JOB_TEMPLATE = "students/roster_job_detail.html"
ERRORS_SHOWN = 500
HISTORY_SHOWN = 20


def _require_import(request: HtmxHttpRequest) -> None:
    if not permissions.can_import_rosters(request.user):
        raise PermissionDenied


def _render(request: HtmxHttpRequest, stage: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    base = {"stage": stage, "errors_shown": ERRORS_SHOWN}
    if not is_partial(request):
        base["jobs"] = list(selectors.roster_job_list(user=request.user)[:HISTORY_SHOWN])
    return render_page_or_fragment(request, TEMPLATE, f"roster-{stage}", {**base, **context}, status=status)


def _preview(request: HtmxHttpRequest, token: str, **extra: Any) -> HttpResponse:
    pending = roster_jobs.roster_upload_pending(token=token, user_id=request.user.pk)
    data = roster_jobs.roster_upload_data(name=pending.name) or b""
    report = roster.roster_preview(data=data, actor=request.user)
    context = {
        "report": report,
        "token": token,
        "pending": pending,
        "refused": bool(report.errors) and not pending.valid_only,
        "locations": fleet_selectors.location_list(user=request.user),
        **extra,
    }
    return _render(request, "preview", context, status=400 if extra.get("answer_error") else 200)


@require_http_methods(["GET", "POST"])
@login_required
def roster_import(request: HtmxHttpRequest) -> HttpResponse:
    """GET: the upload form and the recent imports. POST: keep the export and show its preview."""
    _require_import(request)
    if request.method == "GET":
        return _render(request, "form", {"form": RosterImportForm()})
    form = RosterImportForm(request.POST, request.FILES)
    if form.is_valid():
        uploads = form.cleaned_data["file"]
        try:
            token = roster_jobs.roster_upload_keep(
                files=[(upload.name, upload.read()) for upload in uploads],
                filename=", ".join(upload.name for upload in uploads),
                user_id=request.user.pk,
                valid_only=form.cleaned_data["valid_only"],
            )
            return _preview(request, token)
        except DomainError as exc:
            domain_error_status(exc, form, field="file")
    return _render(request, "form", {"form": form})


@require_POST
@login_required
def roster_import_answer(request: HtmxHttpRequest) -> HttpResponse:
    """Save which location an unmatched roster school is, and show the preview again (400 with
    the error, nothing saved, for an unknown location)."""
    _require_import(request)
    token = request.POST.get("token", "")
    try:
        roster_jobs.roster_upload_pending(token=token, user_id=request.user.pk)
    except DomainError as exc:
        return _render(request, "result", {"error": str(exc)}, status=400)
    try:
        roster.roster_school_map(
            actor=request.user,
            org_key=request.POST.get("org_key", ""),
            location_code=request.POST.get("location", ""),
        )
    except DomainError as exc:
        return _preview(request, token, answer_error=str(exc), answer_key=request.POST.get("org_key", ""))
    return _preview(request, token)


@require_POST
@login_required
def roster_import_confirm(request: HtmxHttpRequest) -> HttpResponse:
    """Start the previewed import as a background job and go to its page."""
    _require_import(request)
    try:
        job = roster_jobs.roster_job_start(actor=request.user, token=request.POST.get("token", ""))
    except ServiceUnavailable as exc:
        response = _render(request, "result", {"error": str(exc)})
        if not is_partial(request):
            response.status_code = 503
            response["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except DomainError as exc:
        return _render(request, "result", {"error": str(exc)})
    url = reverse("students:roster_job_detail", args=[job.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _status_context(job: RosterImportJob, *, error: str = "") -> dict[str, object]:
    return {
        "job": job,
        "figures": selectors.roster_job_progress(job=job),
        "errors_shown": ERRORS_SHOWN,
        "cancel_error": error,
    }


@require_GET
@login_required
def roster_job_detail(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """The job's page; for htmx only its status panel, which polls itself while the job runs."""
    _require_import(request)
    job = selectors.roster_job_get(user=request.user, job_id=job_id)
    return render_page_or_fragment(request, JOB_TEMPLATE, "roster-job-status", _status_context(job))


@require_POST
@login_required
def roster_job_cancel(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    _require_import(request)
    job = selectors.roster_job_get(user=request.user, job_id=job_id)
    try:
        job = roster_jobs.roster_job_cancel(job=job, actor=request.user)
    except DomainError as exc:
        job.refresh_from_db()
        context = _status_context(job, error=str(exc))
        return render_page_or_fragment(request, JOB_TEMPLATE, "roster-job-status", context, status=400)
    if request.htmx:
        return render_page_or_fragment(request, JOB_TEMPLATE, "roster-job-status", _status_context(job))
    return redirect("students:roster_job_detail", job_id=job.pk)


@require_GET
@login_required
def roster_job_errors(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    _require_import(request)
    job = selectors.roster_job_get(user=request.user, job_id=job_id)
    filename = f"roster-import-{job.pk}-row-errors-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(selectors.roster_job_error_rows(job=job), filename=filename)
