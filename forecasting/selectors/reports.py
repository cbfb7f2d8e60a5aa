"""How good the forecasts are: backtests of the latest run, and older runs against what happened.

Two views of accuracy:

- **Backtest** (``PartForecast.accuracy``): when a run forecasts a part it also forecasts the
  last few weeks of history from the weeks before them and scores that against what was used.
- **Realised**: an older run forecast weeks that have since passed. The latest run's ``history``
  (weekly use from ``history_start``) says what those weeks really consumed, so each older
  run's ``weekly_mean`` is compared with it week by week, aligned on dates: forecast week ``k``
  of a run starts ``k`` weeks after its ``history_end`` and is history week
  ``(history_end - history_start) / 7 + k`` of the latest run. Only weeks wholly inside the
  latest run's history count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet

from forecasting.choices import ForecastRunStatus
from forecasting.domain import charts
from forecasting.models import ForecastRun, PartForecast, ReorderSuggestion
from forecasting.selectors import forecasts as selectors
from repairs.models import Vendor

BACKTEST_SORTS = ("error", "wql", "bias", "part")


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _mean(values: Iterable[float | None]) -> float | None:
    seen = [v for v in values if v is not None]
    return sum(seen) / len(seen) if seen else None


# Backtest of the latest run --------------------------------------------------------------------


@dataclass(frozen=True)
class BacktestRow:
    part_id: int
    part_number: str
    description: str
    holdout_weeks: int
    actual: float
    forecast: float
    mae: float | None
    wql: float | None
    covered_80: float | None
    category: str = ""

    @property
    def error(self) -> float:
        """Forecast minus actual over the held-out weeks: positive means it over-forecast."""
        return self.forecast - self.actual


@dataclass(frozen=True)
class BacktestSummary:
    parts: int
    actual: float
    forecast: float
    mean_wql: float | None
    coverage_80: float | None

    @property
    def bias(self) -> float:
        return self.forecast - self.actual

    @property
    def bias_share(self) -> float | None:
        """Bias as a share of what was used; None when nothing was used."""
        return self.bias / self.actual if self.actual else None


#: A category's bias within this share of its use reads as on target.
ON_TARGET = 0.02


@dataclass(frozen=True)
class CategoryBias:
    """One part category's backtest totals: forecast minus use, and which way it leans."""

    category: str
    parts: int
    actual: float
    forecast: float

    @property
    def bias(self) -> float:
        return self.forecast - self.actual

    @property
    def bias_share(self) -> float | None:
        """Bias as a share of use, signed: positive over-forecast; None when nothing was used."""
        return self.bias / self.actual if self.actual else None

    @property
    def direction(self) -> str:
        share = self.bias_share
        if share is None:
            return "over-forecast (nothing used)" if self.forecast > 0 else "on target"
        if abs(share) <= ON_TARGET:
            return "on target"
        return "over-forecast" if share > 0 else "under-forecast"


def backtest_by_category(rows: Sequence[BacktestRow]) -> list[CategoryBias]:
    """Backtest totals per part category, the largest use first."""
    groups: dict[str, list[BacktestRow]] = {}
    for row in rows:
        groups.setdefault(row.category, []).append(row)
    out = [
        CategoryBias(
            category=category,
            parts=len(members),
            actual=sum(r.actual for r in members),
            forecast=sum(r.forecast for r in members),
        )
        for category, members in groups.items()
    ]
    return sorted(out, key=lambda c: (-c.actual, c.category))


def backtest_row(forecast: PartForecast) -> BacktestRow | None:
    """A part's backtest from its ``accuracy`` scores; None when the run did not backtest it."""
    scores = forecast.accuracy or {}
    actual, predicted = _number(scores.get("actual")), _number(scores.get("forecast"))
    if actual is None or predicted is None:
        return None
    return BacktestRow(
        part_id=forecast.part_id,
        part_number=forecast.part.part_number,
        description=forecast.part.description,
        holdout_weeks=int(_number(scores.get("holdout_weeks")) or 0),
        actual=actual,
        forecast=predicted,
        mae=_number(scores.get("mae")),
        wql=_number(scores.get("wql")),
        covered_80=_number(scores.get("covered_80")),
        category=forecast.part.get_category_display(),
    )


def backtest_summary(rows: Sequence[BacktestRow]) -> BacktestSummary | None:
    """Totals over all parts; the WQL and 80% coverage are means over parts that have them."""
    if not rows:
        return None
    return BacktestSummary(
        parts=len(rows),
        actual=sum(row.actual for row in rows),
        forecast=sum(row.forecast for row in rows),
        mean_wql=_mean(row.wql for row in rows),
        coverage_80=_mean(row.covered_80 for row in rows),
    )


def sort_backtest(rows: Sequence[BacktestRow], sort: str) -> list[BacktestRow]:
    """Largest absolute error first by default; ``wql`` worst first; ``bias`` most over-forecast first."""
    if sort == "wql":
        return sorted(rows, key=lambda r: (r.wql is None, -(r.wql or 0.0), r.part_number))
    if sort == "bias":
        return sorted(rows, key=lambda r: (-r.error, r.part_number))
    if sort == "part":
        return sorted(rows, key=lambda r: r.part_number)
    return sorted(rows, key=lambda r: (-abs(r.error), r.part_number))


# Older runs against what happened ------------------------------------------------------------


@dataclass(frozen=True)
class Actuals:
    """What one part really used per week, from the latest run's history."""

    history_start: dt.date
    history: Sequence[float | None]


@dataclass(frozen=True)
class OldForecast:
    part_id: int
    part_number: str
    description: str
    weekly_mean: Sequence[float]
    weekly_quantiles: Mapping[str, Sequence[float]]


@dataclass(frozen=True)
class RealisedRow:
    part_id: int
    part_number: str
    description: str
    weeks: int
    forecast: float
    actual: float
    absolute_error: float
    weeks_in_band: int
    weeks_with_band: int

    @property
    def error(self) -> float:
        return self.forecast - self.actual


@dataclass(frozen=True)
class RealisedRun:
    run_id: int
    created_at: dt.datetime
    forecast_start: dt.date
    weeks: int
    rows: list[RealisedRow] = field(default_factory=list)

    @property
    def forecast(self) -> float:
        return sum(row.forecast for row in self.rows)

    @property
    def actual(self) -> float:
        return sum(row.actual for row in self.rows)

    @property
    def bias(self) -> float:
        return self.forecast - self.actual

    @property
    def mae(self) -> float | None:
        """Mean absolute error per part-week."""
        weeks = sum(row.weeks for row in self.rows)
        return sum(row.absolute_error for row in self.rows) / weeks if weeks else None

    @property
    def coverage_80(self) -> float | None:
        """Share of part-weeks whose use fell inside the forecast's 10-90% range."""
        weeks = sum(row.weeks_with_band for row in self.rows)
        return sum(row.weeks_in_band for row in self.rows) / weeks if weeks else None


def realised_rows(
    *,
    forecast_start: dt.date,
    forecasts: Iterable[OldForecast],
    actuals: Mapping[int, Actuals],
    until: dt.date,
) -> list[RealisedRow]:
    """Each old forecast against the actual use of its weeks that ended by ``until``.

    ``forecast_start`` is the old run's ``history_end`` (Monday of its forecast week 0) and
    ``until`` the latest run's ``history_end``. Weeks missing from the history (None, NaN or
    before its start) are skipped, as are parts with no actuals. Sorted by absolute error.
    """
    rows = []
    for old in forecasts:
        seen = actuals.get(old.part_id)
        if seen is None:
            continue
        low = charts.quantile_series(old.weekly_quantiles, 0.1)
        high = charts.quantile_series(old.weekly_quantiles, 0.9)
        offset = (forecast_start - seen.history_start).days // 7
        weeks = predicted = used = error = 0.0
        in_band = with_band = 0
        for k, mean in enumerate(old.weekly_mean):
            if forecast_start + dt.timedelta(weeks=k + 1) > until:
                break
            index = offset + k
            if index < 0 or index >= len(seen.history):
                continue
            actual = _number(seen.history[index])
            if actual is None:
                continue
            weeks += 1
            predicted += float(mean)
            used += actual
            error += abs(float(mean) - actual)
            if k < len(low) and k < len(high):
                with_band += 1
                in_band += int(low[k] <= actual <= high[k])
        if weeks:
            rows.append(
                RealisedRow(
                    part_id=old.part_id,
                    part_number=old.part_number,
                    description=old.description,
                    weeks=int(weeks),
                    forecast=predicted,
                    actual=used,
                    absolute_error=error,
                    weeks_in_band=in_band,
                    weeks_with_band=with_band,
                )
            )
    return sorted(rows, key=lambda r: (-abs(r.error), r.part_number))


def _earlier_runs(latest: ForecastRun, most: int) -> list[ForecastRun]:
    """The last finished succeeded run of each earlier forecast week, newest week first, at most ``most``."""
    runs = (
        ForecastRun.objects.filter(
            status=ForecastRunStatus.SUCCEEDED,
            history_end__isnull=False,
            history_end__lt=latest.history_end,
        )
        .exclude(pk=latest.pk)
        .order_by("-history_end", F("finished_at").desc(nulls_last=True), "-pk")
    )
    chosen: list[ForecastRun] = []
    for run in runs.iterator():
        if chosen and chosen[-1].history_end == run.history_end:
            continue
        chosen.append(run)
        if len(chosen) == most:
            break
    return chosen


def realised_runs(*, latest: ForecastRun, most: int = 12) -> list[RealisedRun]:
    """Older runs whose forecast weeks have (partly) passed, each against the latest history.

    Three queries whatever the number of runs: the runs, the latest run's histories and the
    older runs' forecasts.
    """
    if latest.history_end is None:
        return []
    runs = _earlier_runs(latest, most)
    if not runs:
        return []
    actuals: dict[int, Actuals] = {}
    for part_id, history, history_start in PartForecast.objects.filter(run=latest).values_list(
        "part_id", "history", "history_start"
    ):
        start = history_start or latest.history_end - dt.timedelta(weeks=len(history or []))
        actuals[part_id] = Actuals(history_start=start, history=history or [])
    by_run: dict[int, list[OldForecast]] = {run.pk: [] for run in runs}
    for run_id, part_id, number, description, mean, quantiles in (
        PartForecast.objects.filter(run__in=runs, error="")
        .order_by("run_id", "part_id")
        .values_list(
            "run_id", "part_id", "part__part_number", "part__description", "weekly_mean", "weekly_quantiles"
        )
    ):
        by_run[run_id].append(OldForecast(part_id, number, description, mean or [], quantiles or {}))
    result = []
    for run in runs:
        assert run.history_end is not None  # filtered above
        rows = realised_rows(
            forecast_start=run.history_end,
            forecasts=by_run[run.pk],
            actuals=actuals,
            until=latest.history_end,
        )
        if rows:
            weeks = max(row.weeks for row in rows)
            result.append(RealisedRun(run.pk, run.created_at, run.history_end, weeks, rows))
    return result


# The page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccuracyReport:
    run: ForecastRun | None
    summary: BacktestSummary | None
    rows: list[BacktestRow]
    realised: list[RealisedRun]
    sort: str
    by_category: list[CategoryBias] = field(default_factory=list)


def accuracy_report(*, sort: str = "error") -> AccuracyReport:
    """The latest succeeded run's backtests (overall, per category and per part) and the realised
    comparisons."""
    sort = sort if sort in BACKTEST_SORTS else "error"
    latest = selectors.latest_run()
    if latest is None:
        return AccuracyReport(run=None, summary=None, rows=[], realised=[], sort=sort)
    forecasts = (
        PartForecast.objects.filter(run=latest)
        .select_related("part")
        .only("part", "accuracy", "part__part_number", "part__description", "part__category")
    )
    rows = [row for row in (backtest_row(f) for f in forecasts) if row is not None]
    return AccuracyReport(
        run=latest,
        summary=backtest_summary(rows),
        rows=sort_backtest(rows, sort),
        realised=realised_runs(latest=latest),
        sort=sort,
        by_category=backtest_by_category(rows),
    )


# One part's forecast ------------------------------------------------------------------------

NEXT_WEEKS = 12
TOTAL_LEVELS = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class ForecastWeek:
    starts: dt.date | None
    mean: float
    low: float | None
    median: float | None
    high: float | None


def quantile_value(quantiles: Mapping[str, object], level: float) -> float | None:
    """One level of a {"0.9": 14, ...} mapping, whatever the key spelling; None when absent."""
    for key, value in quantiles.items():
        try:
            if math.isclose(float(key), level):
                return _number(value)
        except ValueError:
            continue
    return None


def forecast_weeks(forecast: PartForecast, *, weeks: int = NEXT_WEEKS) -> list[ForecastWeek]:
    """The first ``weeks`` forecast weeks with their 10/50/90% quantiles and start dates.

    Week 1 starts on the run's ``history_end`` (the Monday after the last full history week).
    """
    low = charts.quantile_series(forecast.weekly_quantiles or {}, 0.1)
    median = charts.quantile_series(forecast.weekly_quantiles or {}, 0.5)
    high = charts.quantile_series(forecast.weekly_quantiles or {}, 0.9)
    first = forecast.run.history_end
    return [
        ForecastWeek(
            starts=first + dt.timedelta(weeks=k) if first else None,
            mean=float(mean),
            low=low[k] if k < len(low) else None,
            median=median[k] if k < len(median) else None,
            high=high[k] if k < len(high) else None,
        )
        for k, mean in enumerate(forecast.weekly_mean[:weeks])
    ]


def total_quantiles(forecast: PartForecast) -> list[tuple[str, float]]:
    """(label, units) of the horizon total's quantiles, lowest level first."""
    levels = []
    for key, value in (forecast.quantiles or {}).items():
        number = _number(value)
        try:
            level = float(key)
        except ValueError:
            continue
        if number is not None:
            levels.append((level, number))
    return [(f"{level:.0%}", number) for level, number in sorted(levels)]


def demand_chart_for(forecast: PartForecast, *, layout: charts.Layout = charts.WIDE) -> str:
    suffix = "" if layout == charts.WIDE else "-compact"
    return charts.demand_chart(
        history=forecast.history or [],
        history_start=forecast.history_start,
        weekly_mean=forecast.weekly_mean or [],
        weekly_quantiles=forecast.weekly_quantiles or {},
        title=f"Weekly demand for {forecast.part.part_number}: history and forecast",
        chart_id=f"demand-chart-{forecast.part_id}{suffix}",
        layout=layout,
    )


@dataclass(frozen=True)
class ChartWeek:
    """One week of the chart in numbers: what was used, or what is forecast."""

    starts: dt.date | None
    used: float | None = None
    mean: float | None = None
    low: float | None = None
    median: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class DemandChart:
    """The part's chart in two layouts (wide, phone), its key, a note and its numbers."""

    wide: str
    compact: str
    legend: str
    note: str
    weeks: list[ChartWeek]


def demand_chart_full(forecast: PartForecast) -> DemandChart:
    """Everything the part page shows of the chart; ``weeks`` is its text alternative."""
    start = forecast.history_start
    history = forecast.history or []
    rows = [
        ChartWeek(
            starts=start + dt.timedelta(weeks=k) if start else None,
            used=float(v) if v is not None else None,
        )
        for k, v in enumerate(history)
    ]
    rows += [
        ChartWeek(starts=week.starts, mean=week.mean, low=week.low, median=week.median, high=week.high)
        for week in forecast_weeks(forecast, weeks=len(forecast.weekly_mean or []))
    ]
    return DemandChart(
        wide=demand_chart_for(forecast),
        compact=demand_chart_for(forecast, layout=charts.COMPACT),
        legend=charts.legend(
            history=history,
            weekly_mean=forecast.weekly_mean or [],
            weekly_quantiles=forecast.weekly_quantiles or {},
        ),
        note=charts.median_note(forecast.weekly_quantiles or {}, forecast.weekly_mean or []),
        weeks=rows,
    )


def part_suggestions(forecast: PartForecast) -> QuerySet[ReorderSuggestion]:
    """The run's reorder suggestions for the part at every stock location, ordering or not."""
    return (
        ReorderSuggestion.objects.filter(run_id=forecast.run_id, part_id=forecast.part_id)
        .select_related("stock_location", "purchase_order")
        .order_by("stock_location__name", "pk")
    )


# Suggested orders grouped by vendor ---------------------------------------------------------


@dataclass(frozen=True)
class SuggestionLine:
    suggestion: ReorderSuggestion

    @property
    def unit_cost(self) -> Decimal:
        """What the order would cost per unit today: the catalogue price, as the order uses."""
        return self.suggestion.part.unit_cost

    @property
    def total(self) -> Decimal:
        return self.unit_cost * self.suggestion.suggested_quantity

    @property
    def blocked_reason(self) -> str:
        """Why this line cannot be ordered; empty when it can."""
        part = self.suggestion.part
        if self.suggestion.purchase_order_id is not None:
            return "ordered"
        if part.is_demo:
            return "demo part — cannot be ordered"
        if part.vendor_id is None:
            return "no vendor"
        if not part.is_active:
            return "part no longer active"
        return ""

    @property
    def orderable(self) -> bool:
        return not self.blocked_reason


@dataclass(frozen=True)
class VendorGroup:
    vendor: Vendor | None
    lines: list[SuggestionLine]

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def orderable(self) -> bool:
        return any(line.orderable for line in self.lines)


def group_by_vendor(suggestions: Iterable[ReorderSuggestion]) -> list[VendorGroup]:
    """Lines per vendor, vendors by name and parts without a vendor last."""
    groups: dict[int | None, VendorGroup] = {}
    for suggestion in suggestions:
        vendor = suggestion.part.vendor
        key = vendor.pk if vendor else None
        groups.setdefault(key, VendorGroup(vendor=vendor, lines=[])).lines.append(SuggestionLine(suggestion))
    return sorted(groups.values(), key=lambda g: (g.vendor is None, g.vendor.name if g.vendor else ""))


def grand_total(groups: Sequence[VendorGroup]) -> Decimal:
    return sum((group.total for group in groups), Decimal("0.00"))
