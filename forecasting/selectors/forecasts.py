"""Reads of forecast runs, per-part forecasts and reorder suggestions for screens and endpoints.

Views and the API check forecasting.permissions (can_view_forecasts) first; these return every
row to a caller already allowed to see forecasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.http import Http404

from core.filters import filtered
from forecasting.choices import ForecastRunStatus
from forecasting.filters import (
    DEFAULT_FORECAST_ORDERING,
    FORECAST_ORDERINGS,
    PartForecastFilterSet,
    ReorderSuggestionFilterSet,
)
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion
from repairs.choices import OPEN_PURCHASE_ORDER_STATUSES
from repairs.models import PurchaseOrderLine


def latest_run() -> ForecastRun | None:
    """The newest succeeded run (by when it finished), or None before the first one."""
    return (
        ForecastRun.objects.filter(status=ForecastRunStatus.SUCCEEDED)
        .order_by(F("finished_at").desc(nulls_last=True), "-pk")
        .first()
    )


def forecast_list(
    *, filters: Mapping[str, Any] | None = None, run: ForecastRun | None = None
) -> QuerySet[PartForecast]:
    """A run's forecast rows (the latest succeeded run by default) without the failed parts.

    Filtered by PartForecastFilterSet; ordered by expected spend, largest first, unless the
    ``ordering`` filter says otherwise. Empty when no run has succeeded yet.
    """
    run = run or latest_run()
    if run is None:
        return PartForecast.objects.none()
    rows = (
        PartForecast.objects.filter(run=run, error="")
        .select_related("part", "part__vendor")
        .order_by(*FORECAST_ORDERINGS[DEFAULT_FORECAST_ORDERING])
    )
    return filtered(PartForecastFilterSet, filters, rows)


# The forecast table's sortable columns: ``sort`` value -> order_by fields (a leading "-" in the
# query reverses them). The part number always breaks ties, so pages never overlap.
FORECAST_SORTS: dict[str, tuple[str, ...]] = {
    "part": ("part__part_number",),
    "category": ("part__category", "part__part_number"),
    "vendor": ("part__vendor__name", "part__part_number"),
    "point": ("point", "part__part_number"),
    "on_hand": ("on_hand", "part__part_number"),
    "on_order": ("on_order", "part__part_number"),
    "reorder_point": ("reorder_point", "part__part_number"),
    "suggested": ("suggested_order", "part__part_number"),
    "spend": ("expected_spend", "part__part_number"),
}
DEFAULT_FORECAST_SORT = "-spend"


def forecast_sort_key(sort: str | None) -> str:
    """The ``sort`` query value if it names a sortable column (optionally "-" first), else the default."""
    value = (sort or "").strip()
    return value if value.lstrip("-") in FORECAST_SORTS and value.count("-") <= 1 else DEFAULT_FORECAST_SORT


def forecast_sort(rows: QuerySet[PartForecast], sort: str | None) -> QuerySet[PartForecast]:
    """``rows`` ordered by a whitelisted column (see FORECAST_SORTS); unknown values sort by spend."""
    key = forecast_sort_key(sort)
    descending = key.startswith("-")
    fields = FORECAST_SORTS[key.lstrip("-")]
    # The column itself follows the direction; the part number tie-break stays ascending.
    first = F(fields[0]).desc(nulls_last=True) if descending else F(fields[0]).asc(nulls_last=True)
    return rows.order_by(first, *fields[1:], "pk")


def part_forecast_latest(*, part_id: int) -> PartForecast | None:
    """The part's row in the latest succeeded run (with its part and vendor), or None."""
    run = latest_run()
    if run is None:
        return None
    return (
        PartForecast.objects.filter(run=run, part_id=part_id)
        .select_related("part", "part__vendor", "run")
        .first()
    )


def suggestion_list(
    *, filters: Mapping[str, Any] | None = None, run: ForecastRun | None = None
) -> QuerySet[ReorderSuggestion]:
    """A run's suggestions to order something (latest succeeded run by default), by part then place.

    Filtered by ReorderSuggestionFilterSet (vendor, stock location, category).
    """
    run = run or latest_run()
    if run is None:
        return ReorderSuggestion.objects.none()
    rows = (
        ReorderSuggestion.objects.filter(run=run, suggested_quantity__gt=0)
        .select_related("part", "part__vendor", "stock_location", "purchase_order")
        .order_by("part__part_number", "stock_location__code", "pk")
    )
    return filtered(ReorderSuggestionFilterSet, filters, rows)


def active_run() -> ForecastRun | None:
    """The run that is pending or running now, if any (runs.forecast_run_start allows one)."""
    return (
        run_list()
        .filter(status__in=(ForecastRunStatus.PENDING, ForecastRunStatus.RUNNING))
        .order_by("pk")
        .first()
    )


def run_list() -> QuerySet[ForecastRun]:
    """Every run, newest first, with who asked for it."""
    return ForecastRun.objects.select_related("requested_by").order_by("-created_at", "-pk")


def run_get(*, run_id: int) -> ForecastRun:
    """One run; Http404 when it does not exist."""
    run = run_list().filter(pk=run_id).first()
    if run is None:
        raise Http404("No such forecast run.")
    return run


def on_order_by_part_and_location(*, part_ids: list[int] | None = None) -> dict[tuple[int, int], int]:
    """Units still to come per (part id, ship-to stock location id) over sent or part-received orders."""
    lines = PurchaseOrderLine.objects.filter(order__status__in=OPEN_PURCHASE_ORDER_STATUSES)
    if part_ids is not None:
        lines = lines.filter(part_id__in=part_ids)
    rows = lines.values("part_id", "order__ship_to_id").annotate(
        outstanding=Sum(F("quantity_ordered") - F("quantity_received"))
    )
    return {
        (row["part_id"], row["order__ship_to_id"]): row["outstanding"] for row in rows if row["outstanding"]
    }
