"""Fleet reports: readiness per school, and the AUE refresh plan, each with a CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.htmx import render_page_or_fragment
from core.services import exports
from fleet import permissions
from fleet.forms import AuePlanFilterForm
from fleet.selectors import reports


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
    rows: list[list[object]] = [[*header, "past_aue", "loaners_out"]]
    for row in [*report.rows, report.total]:
        share = "" if row.share_in_service is None else f"{row.share_in_service:.4f}"
        figures = [row.active, row.deployed, row.in_service, share, row.in_repair, row.past_aue]
        rows.append([row.code, row.name, *figures, row.loaners_out])
    return exports.csv_response(rows, filename=f"readiness-{report.today:%Y%m%d}.csv")


def _aue_plan(request: HtmxHttpRequest) -> tuple[AuePlanFilterForm, reports.AuePlan | None]:
    start, end = reports.aue_plan_default_years()
    data = {"from_year": start, "to_year": end, **request.GET.dict()}
    form = AuePlanFilterForm(data, schools=reports.aue_plan_schools(user=request.user))
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
    _require_reports(request)
    form, plan = _aue_plan(request)
    if plan is None:
        errors = " ".join(str(error) for error in form.non_field_errors())
        return HttpResponse(errors or "Check the filters.", status=400)
    header = ["school_year", "school", "model", "devices", "unit_price", "replacement_cost"]
    rows: list[list[object]] = [list(header)]
    rows += [
        [row.school_year_label, row.location_name, row.model_name, row.devices, row.unit_price, row.cost]
        for row in plan.rows
    ]
    return exports.csv_response(rows, filename=f"aue-plan-{plan.from_year}-{plan.to_year + 1}.csv")
