"""Time and pay pages: "My week" (log hours from a phone), team timesheets, payroll export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions
from accounts.views import HtmxHttpRequest
from core.exceptions import DomainError
from core.htmx import domain_error_status, is_partial
from core.services import exports
from core.templatetags.ui import qty
from fleet.selectors import devices as fleet_selectors
from staff import permissions as staff_permissions
from staff.choices import TimesheetStatus
from staff.forms.time import (
    PayrollExportForm,
    TimeEntryForm,
    TimesheetActionForm,
    TimesheetFilterForm,
    TimesheetSubmitForm,
)
from staff.models import TimeEntry
from staff.selectors import time as time_selectors
from staff.services import timesheets

WEEK_TEMPLATE = "staff/time_entry_week.html"
TEAM_TEMPLATE = "staff/timesheet_team.html"
PAYROLL_HEADER = list(time_selectors.PayrollRow._fields)


def _nav_context(request: HtmxHttpRequest) -> dict[str, object]:
    """What the time and pay sub-navigation offers: only the pages the user may open."""
    return {
        "can_log_own_time": staff_permissions.can_log_own_time(request.user),
        "can_view_team": staff_permissions.can_view_team_timesheets(request.user),
        "can_export_payroll": staff_permissions.can_export_payroll(request.user),
    }


def _day(request: HtmxHttpRequest) -> dt.date:
    value = request.GET.get("day") or request.POST.get("day") or ""
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    return parsed or timezone.localdate()


def _week_response(
    request: HtmxHttpRequest,
    day: dt.date,
    *,
    form: TimeEntryForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The "My week" page, or its ``my-week`` fragment for htmx, for the week containing ``day``.

    Successes are said with ``messages`` (app.js shows them for htmx); ``error`` is a refusal
    shown at the top of the week."""
    locations = fleet_selectors.location_list(user=request.user)
    context: dict[str, object] = {
        "form": form or TimeEntryForm(locations=locations, initial={"work_date": day}),
        "error": error,
        "today": timezone.localdate(),
        **_nav_context(request),
    }
    try:
        week = time_selectors.week_view(user=request.user, day=day)
    except DomainError as exc:
        context["no_week"] = str(exc)
    else:
        context |= {
            "week": week,
            "previous_day": week.week_start - dt.timedelta(days=7),
            "next_day": week.week_start + dt.timedelta(days=7),
        }
    template = f"{WEEK_TEMPLATE}#my-week" if is_partial(request) else WEEK_TEMPLATE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _back_to_week(request: HtmxHttpRequest, day: dt.date) -> HttpResponse:
    return redirect(f"{reverse('staff:time_entry_week')}?day={day:%Y-%m-%d}")


@require_GET
@login_required
def time_entry_week(request: HtmxHttpRequest) -> HttpResponse:
    """My week: the quick log form, the week's entries and running totals."""
    return _week_response(request, _day(request))


@require_POST
@login_required
def time_entry_create(request: HtmxHttpRequest) -> HttpResponse:
    locations = fleet_selectors.location_list(user=request.user)
    form = TimeEntryForm(request.POST, locations=locations)
    day = _day(request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            timesheets.time_entry_create(
                actor=request.user,
                work_date=data["work_date"],
                kind=data["kind"],
                hours=data["hours"],
                mileage=data["mileage"],
                location_id=data["location"].pk if data["location"] else None,
                note=data["note"],
            )
        except DomainError as exc:  # beside the field it names, in the week the form was sent from
            domain_error_status(exc, form)
        else:
            day = data["work_date"]
            messages.success(request, f"Logged {qty(data['hours'])} h on {day:%Y-%m-%d}.")
            if not request.htmx:
                return _back_to_week(request, day)
            fresh = TimeEntryForm(locations=locations, initial={"work_date": day, "kind": data["kind"]})
            return _week_response(request, day, form=fresh)
    return _week_response(request, day, form=form)


def _entry_initial(entry: TimeEntry) -> dict[str, object]:
    return {
        "work_date": entry.work_date,
        "kind": entry.kind,
        "hours": entry.hours,
        "mileage": entry.mileage,
        "location": entry.location_id,
        "note": entry.note,
    }


@require_http_methods(["GET", "POST"])
@login_required
def time_entry_edit(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    """Correct an entry of an open week: the same form as logging, filled in; saved, back to its week."""
    entry = time_selectors.time_entry_get(user=request.user, entry_id=entry_id)
    if not staff_permissions.can_change_time_entry(request.user, entry):
        raise PermissionDenied
    locations = fleet_selectors.location_list(user=request.user)
    if request.method == "POST":
        form = TimeEntryForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            try:
                timesheets.time_entry_update(
                    entry=entry,
                    actor=request.user,
                    work_date=data["work_date"],
                    kind=data["kind"],
                    hours=data["hours"],
                    mileage=data["mileage"],
                    location_id=data["location"].pk if data["location"] else None,
                    note=data["note"],
                )
            except DomainError as exc:
                domain_error_status(exc, form)
            else:
                messages.success(
                    request, f"Entry saved: {qty(data['hours'])} h on {data['work_date']:%Y-%m-%d}."
                )
                return _back_to_week(request, data["work_date"])
    else:
        form = TimeEntryForm(locations=locations, initial=_entry_initial(entry))
    context = {"form": form, "entry": entry, **_nav_context(request)}
    return render(request, "staff/time_entry_edit.html", context)


@require_POST
@login_required
def time_entry_delete(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = time_selectors.time_entry_get(user=request.user, entry_id=entry_id)
    if not staff_permissions.can_change_time_entry(request.user, entry):
        raise PermissionDenied
    day, error, status = entry.work_date, None, 200
    try:
        timesheets.time_entry_delete(entry=entry, actor=request.user)
    except DomainError as exc:
        error, status = str(exc), domain_error_status(exc)
    else:
        messages.success(request, f"Entry deleted: {qty(entry.hours)} h on {day:%Y-%m-%d}.")
    if not request.htmx and error is None:
        return _back_to_week(request, day)
    return _week_response(request, day, error=error, status=status)


@require_POST
@login_required
def timesheet_submit(request: HtmxHttpRequest, timesheet_id: int) -> HttpResponse:
    timesheet = time_selectors.timesheet_get(user=request.user, timesheet_id=timesheet_id)
    if not staff_permissions.can_submit_timesheet(request.user, timesheet):
        raise PermissionDenied
    form = TimesheetSubmitForm(request.POST)
    error, status = None, 200
    if form.is_valid():
        try:
            timesheets.timesheet_submit(
                timesheet=timesheet,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                comp_time_elected=form.cleaned_data["comp_time_elected"],
            )
        except DomainError as exc:
            error, status = str(exc), domain_error_status(exc)
        else:
            messages.success(
                request, f"Week of {timesheet.week_start:%Y-%m-%d} submitted to your supervisor."
            )
            if not request.htmx:
                return _back_to_week(request, timesheet.week_start)
    else:
        error, status = "Reload the page and try again.", 400
    return _week_response(request, timesheet.week_start, error=error, status=status)


@require_GET
@login_required
def timesheet_team(request: HtmxHttpRequest) -> HttpResponse:
    """Team timesheets: the weeks to review, overtime flags, sign-off, and licence expiries."""
    if not staff_permissions.can_view_team_timesheets(request.user):
        raise PermissionDenied
    filters = request.GET.copy()
    if "status" not in filters:
        filters["status"] = TimesheetStatus.SUBMITTED
    rows = time_selectors.team_timesheet_list(user=request.user, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        # Unbound, showing the choice: a bound form would mark the valid filter as a checked input.
        "filter_form": TimesheetFilterForm(initial={"status": filters.get("status", "")}),
        "status": filters.get("status", ""),
        "is_admin": permissions.is_admin(request.user),
        "licences": time_selectors.licence_expiring_for(supervisor=request.user),
        "today": timezone.localdate(),
        **_nav_context(request),
    }
    template = f"{TEAM_TEMPLATE}#team-timesheets" if is_partial(request) else TEAM_TEMPLATE
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _decide(request: HtmxHttpRequest, timesheet_id: int, *, reopen: bool) -> HttpResponse:
    timesheet = time_selectors.timesheet_get(user=request.user, timesheet_id=timesheet_id)
    if not staff_permissions.can_sign_off_timesheet(request.user, timesheet):
        raise PermissionDenied
    form = TimesheetActionForm(request.POST)
    error, status = None, 200
    if not form.is_valid():
        error, status = "Reload the page and try again.", 400
    else:
        service = timesheets.timesheet_reopen if reopen else timesheets.timesheet_sign_off
        try:
            service(timesheet=timesheet, actor=request.user, expected_version=form.cleaned_data["version"])
        except DomainError as exc:
            error, status = str(exc), domain_error_status(exc)
        else:
            done = "reopened for changes" if reopen else "signed off"
            messages.success(request, f"{timesheet.user}'s week of {timesheet.week_start:%Y-%m-%d} {done}.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("staff:timesheet_detail", timesheet_id=timesheet.pk)
    timesheet = time_selectors.timesheet_get(user=request.user, timesheet_id=timesheet.pk)
    context = {"ts": timesheet, "row_error": error, "is_admin": permissions.is_admin(request.user)}
    return render(request, f"{TEAM_TEMPLATE}#timesheet-row", context, status=status)


@require_POST
@login_required
def timesheet_sign_off(request: HtmxHttpRequest, timesheet_id: int) -> HttpResponse:
    return _decide(request, timesheet_id, reopen=False)


@require_POST
@login_required
def timesheet_reopen(request: HtmxHttpRequest, timesheet_id: int) -> HttpResponse:
    return _decide(request, timesheet_id, reopen=True)


@require_GET
@login_required
def timesheet_detail(request: HtmxHttpRequest, timesheet_id: int) -> HttpResponse:
    timesheet = time_selectors.timesheet_get(user=request.user, timesheet_id=timesheet_id)
    context = {
        "ts": timesheet,
        "entries": time_selectors.timesheet_entries(timesheet=timesheet),
        "can_decide": staff_permissions.can_sign_off_timesheet(request.user, timesheet),
        **_nav_context(request),
    }
    return render(request, "staff/timesheet_detail.html", context)


def _payroll_form(request: HtmxHttpRequest) -> PayrollExportForm:
    if not staff_permissions.can_export_payroll(request.user):
        raise PermissionDenied
    if "date_from" in request.GET or "date_to" in request.GET:
        return PayrollExportForm(request.GET)
    today = timezone.localdate()
    return PayrollExportForm({"date_from": today - dt.timedelta(days=35), "date_to": today})


@require_GET
@login_required
def timesheet_payroll(request: HtmxHttpRequest) -> HttpResponse:
    """Payroll: signed-off weeks in a date range, with a link to the same rows as CSV."""
    form = _payroll_form(request)
    rows: list[time_selectors.PayrollRow] = []
    if form.is_valid():
        rows = list(time_selectors.payroll_rows(user=request.user, **form.cleaned_data))
    # The range as chosen, unbound (a bound form would mark valid dates as checked inputs);
    # a refused range shows the bound form with its errors.
    shown = PayrollExportForm(initial=form.cleaned_data) if form.is_valid() else form
    context = {"form": shown, "valid": form.is_valid(), "rows": rows, **_nav_context(request)}
    return render(request, "staff/timesheet_payroll.html", context)


@require_GET
@login_required
def timesheet_payroll_export(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Signed-off timesheets and mileage as CSV, streamed; 400 with the reason for bad dates."""
    form = _payroll_form(request)
    if not form.is_valid():
        return HttpResponse(" ".join(str(m) for ms in form.errors.values() for m in ms), status=400)
    payroll = time_selectors.payroll_rows(user=request.user, **form.cleaned_data)

    def rows() -> Iterator[Iterable[object]]:
        yield PAYROLL_HEADER
        yield from payroll  # csv_cell writes a date as str() does: YYYY-MM-DD

    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return exports.csv_streaming_response(rows(), filename=f"payroll-{start:%Y%m%d}-{end:%Y%m%d}.csv")
