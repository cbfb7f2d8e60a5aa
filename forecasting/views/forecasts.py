"""Forecast pages: the forecast table and its runs, a part's chart, suggested orders, accuracy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import HtmxHttpRequest
from core.exceptions import ConflictError, DomainError, ServiceUnavailable
from core.htmx import domain_error_status, is_partial, render_page_or_fragment
from core.services import exports
from forecasting import permissions
from forecasting.choices import ForecastTrigger
from forecasting.filters import PartForecastFilterSet, ReorderSuggestionFilterSet
from forecasting.forms import SuggestionOrderForm
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion
from forecasting.selectors import explain, reports
from forecasting.selectors import forecasts as selectors
from forecasting.services import ordering, runs
from repairs import selectors as repair_selectors

PER_PAGE = 25
CSV_HEADER = [
    "Vendor",
    "Part number",
    "Description",
    "Ship to",
    "Quantity",
    "Unit cost",
    "Line total",
    "Reorder point",
    "On hand",
    "On order",
]


def _require_viewer(request: HtmxHttpRequest) -> None:
    if not permissions.can_view_forecasts(request.user):
        raise PermissionDenied


def _query(request: HtmxHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Forecast table and runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    forecast: PartForecast

    @property
    def high(self) -> float | None:
        """The 90% quantile of the horizon total: demand that is exceeded one year in ten."""
        return reports.quantile_value(self.forecast.quantiles or {}, 0.9)

    @property
    def models(self) -> list[str]:
        return [str(model) for model in self.forecast.part.compatible_models.all()]

    @property
    def fits(self) -> str:
        """What the part fits, as its one-line description when the catalogue gives it none
        (catalogue descriptions already say what a part fits: "LCD panel for Lenovo 100e ...")."""
        models = self.models
        if self.forecast.part.description.strip() or not models:
            return ""
        return f"{len(models)} models" if len(models) > 3 else ", ".join(models)


@dataclass(frozen=True)
class SortHeader:
    """A sortable column heading: the ``sort`` value its link asks for and its aria-sort."""

    key: str
    label: str
    numeric: bool
    current: str  # the table's sort, e.g. "-spend"

    @property
    def direction(self) -> str:
        """The aria-sort value when the table is sorted by this column (empty otherwise)."""
        if self.current.lstrip("-") != self.key:
            return ""
        return "descending" if self.current.startswith("-") else "ascending"

    @property
    def next(self) -> str:
        """The sort a click asks for: the other direction when sorted by this column already;
        largest first for numbers, A to Z for words otherwise."""
        if self.direction:
            return self.key if self.direction == "descending" else f"-{self.key}"
        return f"-{self.key}" if self.numeric else self.key


FORECAST_COLUMNS = (
    ("part", "Part", False),
    ("category", "Category", False),
    ("vendor", "Vendor", False),
    ("point", "Expected demand", True),
    ("on_hand", "On hand", True),
    ("on_order", "On order", True),
    ("reorder_point", "Reorder point", True),
    ("suggested", "Suggested order", True),
    ("spend", "Expected spend", True),
)


def _panel_context(
    run: ForecastRun | None, *, conflict: bool = False, unavailable: str = ""
) -> dict[str, object]:
    took = None
    if run is not None and run.started_at and run.finished_at:
        took = run.finished_at - run.started_at
    return {
        "active": run,
        "page_title": f"Forecast run {run.pk}" if run is not None else "Forecast run not started",
        "took": took,
        "polling": run is not None and run.status in runs.ACTIVE_STATUSES,
        "conflict": conflict,
        "unavailable": unavailable,
    }


@require_GET
@login_required
def forecast_list(request: HtmxHttpRequest) -> HttpResponse:
    """The latest run's forecast per part, filtered and paged; the table alone for htmx."""
    _require_viewer(request)
    run = selectors.latest_run()
    rows = selectors.forecast_list(run=run) if run else PartForecast.objects.none()
    filterset = PartForecastFilterSet(request.GET, queryset=rows)
    # The column headings sort the table (``sort``), so the API's ordering filter is not offered.
    filterset.form.fields.pop("ordering", None)
    forecasts = filterset.qs if filterset.is_valid() else rows.none()
    sort = selectors.forecast_sort_key(request.GET.get("sort"))
    forecasts = selectors.forecast_sort(forecasts, sort)
    # The table names the models each part fits: one query for the page (the API does not need it).
    page = Paginator(forecasts.prefetch_related("part__compatible_models"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context: dict[str, object] = {
        "run": run,
        "filterset": filterset,
        "page": page,
        "rows": [ForecastRow(forecast) for forecast in page],
        "query": _query(request),
        "sort": sort,
        "headers": {key: SortHeader(key, label, numeric, sort) for key, label, numeric in FORECAST_COLUMNS},
        "can_run": permissions.can_run_forecast(request.user),
    }
    if not is_partial(request):
        newest = selectors.run_list().first()
        context["newest"] = newest
        # The newest run is the active one when there is one: no second query.
        active = newest if newest is not None and newest.status in runs.ACTIVE_STATUSES else None
        context.update(_panel_context(active))
    return render_page_or_fragment(request, "forecasting/forecast_list.html", "forecast-results", context)


@require_POST
@login_required
def forecast_run_create(request: HtmxHttpRequest) -> HttpResponse:
    """Start a run now; htmx gets the progress panel, a plain form post goes back to the table.

    With the task queue down the run is not started (nothing is left pending): htmx gets the
    panel saying to try again, a plain form post a 503 page saying the same.
    """
    if not permissions.can_run_forecast(request.user):
        raise PermissionDenied
    conflict = False
    try:
        run: ForecastRun | None = runs.forecast_run_start(actor=request.user, trigger=ForecastTrigger.MANUAL)
    except ConflictError:
        conflict, run = True, selectors.active_run()
    except ServiceUnavailable as exc:
        context = _panel_context(None, unavailable=str(exc))
        if is_partial(request):  # 200: htmx swaps only successful responses
            return render(request, "forecasting/forecast_run_progress.html#run-panel", context)
        response = render(request, "forecasting/forecast_run_progress.html", context, status=503)
        response["Retry-After"] = str(exc.retry_after_seconds)
        return response
    if is_partial(request):
        if not conflict:
            messages.success(request, "Forecast started. The table updates when it finishes.")
        # 200 even on a conflict: htmx swaps only successful responses, and the panel says why.
        return render(
            request,
            "forecasting/forecast_run_progress.html#run-panel",
            _panel_context(run, conflict=conflict),
        )
    if conflict:
        messages.warning(request, "A forecast is already running.")
    else:
        messages.success(request, "Forecast started. The table updates when it finishes.")
    return redirect("forecasting:forecast_list")


@require_GET
@login_required
def forecast_run_progress(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """How far a run has got; the panel polls this until the run has finished."""
    _require_viewer(request)
    run = selectors.run_get(run_id=run_id)
    return render_page_or_fragment(
        request, "forecasting/forecast_run_progress.html", "run-panel", _panel_context(run)
    )


# One part ------------------------------------------------------------------------------------


@require_GET
@login_required
def part_forecast(request: HtmxHttpRequest, part_id: int) -> HttpResponse:
    """The part's chart and the numbers behind it; 404 when the latest run has no row for it."""
    _require_viewer(request)
    part = repair_selectors.part_get(part_id=part_id)
    forecast = selectors.part_forecast_latest(part_id=part.pk)
    if forecast is None:
        return render(
            request,
            "forecasting/part_forecast.html",
            {"part": part, "forecast": None, "run": selectors.latest_run()},
            status=404,
        )
    context: dict[str, object] = {"part": part, "forecast": forecast, "run": forecast.run}
    if not forecast.error:
        context.update(
            {
                "chart": reports.demand_chart_full(forecast),
                "change": explain.forecast_change(forecast),
                "weeks": reports.forecast_weeks(forecast),
                "totals": reports.total_quantiles(forecast),
                "suggestions": reports.part_suggestions(forecast),
                "backtest": reports.backtest_row(forecast),
                "warranty_percent": forecast.warranty_share * 100,
            }
        )
    return render(request, "forecasting/part_forecast.html", context)


# Suggested orders ----------------------------------------------------------------------------


def _suggestions(request: HtmxHttpRequest) -> tuple[ReorderSuggestionFilterSet, QuerySet[ReorderSuggestion]]:
    run = selectors.latest_run()
    rows = selectors.suggestion_list(run=run) if run else ReorderSuggestion.objects.none()
    filterset = ReorderSuggestionFilterSet(request.GET, queryset=rows)
    return filterset, filterset.qs if filterset.is_valid() else rows.none()


def _suggestions_csv(suggestions: QuerySet[ReorderSuggestion]) -> HttpResponse:
    rows: list[list[object]] = [list(CSV_HEADER)]
    for group in reports.group_by_vendor(suggestions):
        for line in group.lines:
            s = line.suggestion
            rows.append(
                [
                    group.vendor.name if group.vendor else "",
                    s.part.part_number,
                    s.part.description,
                    s.stock_location.name,
                    s.suggested_quantity,
                    line.unit_cost,
                    line.total,
                    s.reorder_point,
                    s.on_hand,
                    s.on_order,
                ]
            )
    return exports.csv_response(rows, filename=f"suggested-orders-{timezone.localdate():%Y-%m-%d}.csv")


def _suggestions_page(
    request: HtmxHttpRequest, form: SuggestionOrderForm | None = None, status: int = 200
) -> HttpResponse:
    filterset, suggestions = _suggestions(request)
    groups = reports.group_by_vendor(suggestions)
    context = {
        "run": selectors.latest_run(),
        "filterset": filterset,
        "groups": groups,
        "grand_total": reports.grand_total(groups),
        "form": form,
        "can_order": permissions.can_order_from_suggestions(request.user),
    }
    return render(request, "forecasting/suggestion_list.html", context, status=status)


@require_GET
@login_required
def suggestion_list(request: HtmxHttpRequest) -> HttpResponse:
    """The latest run's suggested orders by vendor; ``?format=csv`` downloads them."""
    _require_viewer(request)
    if request.GET.get("format") == "csv":
        return _suggestions_csv(_suggestions(request)[1])
    return _suggestions_page(request)


@require_POST
@login_required
def suggestion_order(request: HtmxHttpRequest) -> HttpResponse:
    """Draft purchase orders from the ticked lines (of one vendor when its button was pressed)."""
    if not permissions.can_order_from_suggestions(request.user):
        raise PermissionDenied
    form = SuggestionOrderForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            orders = ordering.purchase_orders_from_suggestions(
                actor=request.user,
                suggestion_ids=form.cleaned_data["suggestion"],
                vendor=form.cleaned_data["vendor"],
            )
        except DomainError as exc:
            status = domain_error_status(exc, form)
        else:
            total = sum(
                (line.unit_cost * line.quantity_ordered for o in orders for line in o.lines.all()), Decimal(0)
            )
            numbers = ", ".join(order.number for order in orders)
            plural = "s" if len(orders) != 1 else ""
            messages.success(
                request, f"Created {len(orders)} draft purchase order{plural}: {numbers} (${total:,.2f})."
            )
            if len(orders) == 1:
                url = reverse("repairs:purchase_order_detail", args=[orders[0].pk])
            else:
                url = reverse("repairs:purchase_order_list")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _suggestions_page(request, form, status=status)


# Accuracy ------------------------------------------------------------------------------------


@require_GET
@login_required
def forecast_accuracy(request: HtmxHttpRequest) -> HttpResponse:
    """Backtests of the latest run, overall and per part, and older runs against what happened."""
    _require_viewer(request)
    report = reports.accuracy_report(sort=request.GET.get("sort", "error"))
    return render(request, "forecasting/forecast_accuracy.html", {"report": report})
