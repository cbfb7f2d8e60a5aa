"""The device refresh plan page: AUE and failure replacements per school year, against a budget;
``?format=csv`` gives the same plan as CSV."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest
from core.htmx import render_page_or_fragment
from core.services import exports
from fleet.selectors import reports
from forecasting import permissions
from forecasting.selectors import refresh


class RefreshPlanFilterForm(forms.Form):
    """The plan always starts with today's school year; ``budget`` is dollars per school year."""

    years = forms.IntegerField(min_value=1, max_value=refresh.MAX_YEARS, required=False, label="School years")
    budget = forms.DecimalField(
        min_value=Decimal("0"), max_digits=12, decimal_places=2, required=False, label="Budget per year ($)"
    )
    location = forms.IntegerField(required=False, min_value=1, label="School")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("years") is None and not self.has_error("years"):
            data["years"] = refresh.DEFAULT_YEARS
        return data


def _plan(request: HtmxHttpRequest) -> tuple[RefreshPlanFilterForm, refresh.RefreshPlan | None]:
    form = RefreshPlanFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    plan = refresh.refresh_plan(
        user=request.user,
        years=form.cleaned_data["years"],
        budget=form.cleaned_data.get("budget"),
        location_id=form.cleaned_data.get("location"),
    )
    return form, plan


@require_GET
@login_required
def refresh_plan(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Devices to replace per school year and model, for AUE and for failures, with the budget."""
    if not permissions.can_view_forecasts(request.user):
        raise PermissionDenied
    form, plan = _plan(request)
    if request.GET.get("format") == "csv":
        if plan is None:
            errors = " ".join(
                f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
            )
            return HttpResponse(errors or "Check the filters.", status=400, content_type="text/plain")
        return _csv(plan)
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "form": form,
        "plan": plan,
        "schools": reports.aue_plan_schools(user=request.user),
        "query": query.urlencode(),
    }
    return render_page_or_fragment(request, "forecasting/refresh_plan.html", "refresh-plan-results", context)


def _csv(plan: refresh.RefreshPlan) -> StreamingHttpResponse:
    filename = f"refresh-plan-{plan.first_year}-{plan.last_year + 1}.csv"
    return exports.csv_streaming_response(refresh.csv_rows(plan), filename=filename)
