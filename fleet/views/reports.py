"""Fleet reports: readiness per school, and the AUE refresh plan, each with a CSV export."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.htmx import render_page_or_fragment
from core.services import exports
from fleet import permissions
from fleet.choices import ReadinessFlag
from fleet.forms import AuePlanFilterForm, ReadinessDevicesForm
from fleet.selectors import reports

DEVICES_PER_PAGE = 50


def _require_reports(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_fleet_reports(request.user):
        raise PermissionDenied


def _readiness(request: HtmxHttpRequest) -> reports.ReadinessReport:
    sort = "share" if request.GET.get("sort") == "share" else "name"
    return reports.readiness_report(user=request.user, sort=sort)


@require_GET
@login_required
def readiness_report(request: HtmxHttpRequest) -> HttpResponse:
    """Per school: deployed, share in service, in repair, past AUE, loaners out."""
    _require_reports(request)
    sort = "share" if request.GET.get("sort") == "share" else "name"
    context = {"report": _readiness(request), "sort": sort}
    return render_page_or_fragment(request, "fleet/readiness_report.html", "readiness-table", context)


@require_GET
@login_required
def readiness_export(request: HtmxHttpRequest) -> HttpResponse:
    _require_reports(request)
    report = _readiness(request)
    header = ["code", "school", "active", "deployed", "in_service", "share_in_service", "in_repair"]
    flags = ["not_synced_30_days", "os_behind", "dev_mode", "not_ready"]
    rows: list[list[object]] = [[*header, "past_aue", "loaners_out", *flags]]
    for row in [*report.rows, report.total]:
        share = "" if row.share_in_service is None else f"{row.share_in_service:.4f}"
        figures = [row.active, row.deployed, row.in_service, share, row.in_repair, row.past_aue]
        google = [row.not_synced, row.os_behind, row.dev_mode, row.flagged]
        rows.append([row.code, row.name, *figures, row.loaners_out, *google])
    return exports.csv_response(rows, filename=f"readiness-{report.today:%Y%m%d}.csv")


def _readiness_devices_form(request: HtmxHttpRequest) -> ReadinessDevicesForm:
    return ReadinessDevicesForm(request.GET, schools=reports.aue_plan_schools(user=request.user))


@require_GET
@login_required
def readiness_devices(request: HtmxHttpRequest) -> HttpResponse:
    """The devices behind one readiness count: by flag, optionally of one school; 400 naming the
    field for a flag or school that is not one."""
    _require_reports(request)
    form = _readiness_devices_form(request)
    if not form.is_valid():
        return render(request, "fleet/readiness_devices.html", {"form": form, "page": None}, status=400)
    devices = reports.readiness_devices(
        user=request.user, flag=form.cleaned_data["flag"], location_id=form.cleaned_data["location"]
    )
    page = Paginator(devices, DEVICES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "flag": ReadinessFlag(form.cleaned_data["flag"])}
    return render(request, "fleet/readiness_devices.html", context)


@require_GET
@login_required
def readiness_devices_export(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    _require_reports(request)
    form = _readiness_devices_form(request)
    if not form.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(map(str, messages))}" for name, messages in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain")
    flag = form.cleaned_data["flag"]
    devices = reports.readiness_devices(
        user=request.user, flag=flag, location_id=form.cleaned_data["location"]
    )
    header = ["asset_tag", "serial", "model", "school", "status", "os_version", "boot_mode", "last_sync"]

    def rows() -> Iterator[list[object]]:
        yield [*header, "aue_date"]
        for device in devices.iterator(chunk_size=2000):
            yield [
                device.asset_tag,
                device.serial,
                device.model.name,
                device.location.name,
                device.get_status_display(),
                device.os_version,
                device.get_boot_mode_display(),
                device.last_sync.isoformat() if device.last_sync else "",
                device.aue_date,
            ]

    today = timezone.localdate()
    return exports.csv_streaming_response(rows(), filename=f"readiness-{flag}-{today:%Y%m%d}.csv")


def _aue_plan_form(request: HtmxHttpRequest) -> AuePlanFilterForm:
    start, end = reports.aue_plan_default_years()
    data = {"from_year": start, "to_year": end, **request.GET.dict()}
    return AuePlanFilterForm(data, schools=reports.aue_plan_schools(user=request.user))


def _aue_plan(request: HtmxHttpRequest) -> tuple[AuePlanFilterForm, reports.AuePlan | None]:
    form = _aue_plan_form(request)
    if not form.is_valid():
        return form, None
    plan = reports.aue_plan(
        user=request.user,
        from_year=form.cleaned_data["from_year"],
        to_year=form.cleaned_data["to_year"],
        location_id=form.cleaned_data.get("location"),
    )
    return form, plan


@require_GET
@login_required
def aue_plan(request: HtmxHttpRequest) -> HttpResponse:
    """Devices reaching AUE per school year, by school and model, with replacement cost."""
    _require_reports(request)
    form, plan = _aue_plan(request)
    context = {"form": form, "plan": plan}
    return render_page_or_fragment(request, "fleet/aue_plan.html", "aue-plan-results", context)


@require_GET
@login_required
def aue_plan_export(request: HtmxHttpRequest) -> HttpResponse:
    """The plan's lines, one per school year x school x model."""
    _require_reports(request)
    form = _aue_plan_form(request)
    if not form.is_valid():
        errors = " ".join(str(error) for error in form.non_field_errors())
        return HttpResponse(errors or "Check the filters.", status=400)
    from_year, to_year = form.cleaned_data["from_year"], form.cleaned_data["to_year"]
    lines = reports.aue_plan_rows(
        user=request.user, from_year=from_year, to_year=to_year, location_id=form.cleaned_data.get("location")
    )
    header = ["school_year", "school", "model", "devices", "unit_price", "replacement_cost"]
    rows: list[list[object]] = [list(header)]
    rows += [
        [row.school_year_label, row.location_name, row.model_name, row.devices, row.unit_price, row.cost]
        for row in lines
    ]
    return exports.csv_response(rows, filename=f"aue-plan-{from_year}-{to_year + 1}.csv")
