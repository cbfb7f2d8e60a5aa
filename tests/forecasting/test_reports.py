"""Accuracy reports: backtest totals and sorting, and older runs against what really happened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from forecasting.choices import ForecastRunStatus
from forecasting.models import ForecastRun, PartForecast
from forecasting.selectors import reports
from repairs.models import Part
from tests.forecasting.factories import ForecastRunFactory, PartForecastFactory, ReorderSuggestionFactory
from tests.repairs.factories import PartFactory, VendorFactory

MONDAY = dt.date(2025, 1, 6)


def _actuals(history: list[float | None], start: dt.date = MONDAY) -> reports.Actuals:
    return reports.Actuals(history_start=start, history=history)


def _old(part_id: int, mean: list[float], low: list[float] | None = None, high: list[float] | None = None):
    quantiles = {} if low is None or high is None else {"0.1": low, "0.9": high}
    return reports.OldForecast(part_id, f"P-{part_id}", "Part", mean, quantiles)


# Realised comparison (pure) ------------------------------------------------------------------


def test_realised_rows_align_forecast_weeks_with_history_by_date():
    # History weeks 0..9 from 6 Jan; the old run forecast from 3 Feb = history week 4.
    actuals = {1: _actuals([9, 9, 9, 9, 2, 0, 5, 1, 9, 9])}
    old = _old(1, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], low=[0] * 6, high=[3] * 6)

    [row] = reports.realised_rows(
        forecast_start=dt.date(2025, 2, 3), forecasts=[old], actuals=actuals, until=dt.date(2025, 3, 3)
    )

    # Weeks 3 Feb .. 24 Feb have ended by 3 Mar: actual 2, 0, 5, 1.
    assert (row.weeks, row.forecast, row.actual) == (4, 4.0, 8.0)
    assert row.absolute_error == 1 + 1 + 4 + 0
    assert (row.weeks_in_band, row.weeks_with_band) == (3, 4)
    assert row.error == -4.0


def test_realised_rows_skip_missing_weeks_and_parts_without_actuals():
    actuals = {1: _actuals([None, 3.0, float("nan"), 1.0])}

    rows = reports.realised_rows(
        forecast_start=MONDAY,
        forecasts=[_old(1, [2.0, 2.0, 2.0, 2.0, 2.0]), _old(2, [5.0])],
        actuals=actuals,
        until=MONDAY + dt.timedelta(weeks=10),
    )

    assert [(r.part_id, r.weeks, r.forecast, r.actual) for r in rows] == [(1, 2, 4.0, 4.0)]
    assert rows[0].weeks_with_band == 0


def test_realised_rows_count_no_weeks_before_the_history_starts_or_not_yet_over():
    actuals = {1: _actuals([4.0, 4.0], start=dt.date(2025, 1, 13))}

    rows = reports.realised_rows(
        forecast_start=MONDAY,
        forecasts=[_old(1, [1.0, 1.0, 1.0])],
        actuals=actuals,
        until=dt.date(2025, 1, 20),
    )

    # Week of 6 Jan is before the history; 13 Jan counts; 20 Jan has not ended by the 20th.
    assert [(r.weeks, r.actual) for r in rows] == [(1, 4.0)]


def test_realised_rows_sort_largest_error_first():
    actuals = {1: _actuals([1.0]), 2: _actuals([9.0]), 3: _actuals([0.0])}

    rows = reports.realised_rows(
        forecast_start=MONDAY,
        forecasts=[_old(1, [1.0]), _old(2, [1.0]), _old(3, [3.0])],
        actuals=actuals,
        until=MONDAY + dt.timedelta(weeks=1),
    )

    assert [r.part_id for r in rows] == [2, 3, 1]


# Backtest (pure) -----------------------------------------------------------------------------


def _row(number: str, actual: float, forecast: float, wql: float | None, covered: float | None):
    return reports.BacktestRow(0, number, "", 13, actual, forecast, None, wql, covered)


def test_backtest_summary_totals_and_means_over_parts_that_have_scores():
    rows = [_row("A", 10, 12, 0.4, 1.0), _row("B", 30, 20, None, 0.5), _row("C", 0, 3, 0.2, None)]

    summary = reports.backtest_summary(rows)

    assert summary is not None
    assert (summary.parts, summary.actual, summary.forecast, summary.bias) == (3, 40, 35, -5)
    assert summary.bias_share == pytest.approx(-0.125)
    assert summary.mean_wql == pytest.approx(0.3)
    assert summary.coverage_80 == pytest.approx(0.75)
    assert reports.backtest_summary([]) is None


def test_backtest_by_category_totals_each_category_and_names_its_lean():
    rows = [
        reports.BacktestRow(1, "A", "", 13, 10, 12, None, None, None, category="Battery"),
        reports.BacktestRow(2, "B", "", 13, 30, 30.5, None, None, None, category="Battery"),
        reports.BacktestRow(3, "C", "", 13, 50, 40, None, None, None, category="Hinge"),
        reports.BacktestRow(4, "D", "", 13, 0, 2, None, None, None, category="Camera"),
        reports.BacktestRow(5, "E", "", 13, 0, 0, None, None, None, category="Charger"),
    ]

    groups = reports.backtest_by_category(rows)

    assert [(g.category, g.parts, g.actual, g.forecast) for g in groups] == [
        ("Hinge", 1, 50, 40),
        ("Battery", 2, 40, 42.5),
        ("Camera", 1, 0, 2),
        ("Charger", 1, 0, 0),
    ]
    assert [g.bias_share for g in groups] == [pytest.approx(-0.2), pytest.approx(0.0625), None, None]
    assert [g.direction for g in groups] == [
        "under-forecast",
        "over-forecast",
        "over-forecast (nothing used)",
        "on target",
    ]
    assert reports.backtest_by_category([]) == []


def test_a_category_within_two_percent_of_its_use_is_on_target():
    [group] = reports.backtest_by_category(
        [reports.BacktestRow(1, "A", "", 13, 100, 98.5, None, None, None, category="Battery")]
    )
    assert (group.bias, group.direction) == (-1.5, "on target")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("error", ["B", "C", "A"]),
        ("bias", ["C", "A", "B"]),
        ("wql", ["A", "C", "B"]),
        ("part", ["A", "B", "C"]),
    ],
)
def test_sort_backtest(sort, expected):
    rows = [_row("A", 10, 12, 0.4, 1.0), _row("B", 30, 20, None, 0.5), _row("C", 0, 3, 0.2, None)]

    assert [r.part_number for r in reports.sort_backtest(rows, sort)] == expected


def test_quantile_value_and_total_quantiles_accept_either_key_spelling():
    forecast = PartForecast(quantiles={"0.90": 14, "0.5": 9.5, "median": 3})

    assert reports.quantile_value(forecast.quantiles, 0.9) == 14.0
    assert reports.total_quantiles(forecast) == [("50%", 9.5), ("90%", 14.0)]


# Against the database ------------------------------------------------------------------------


def _run(history_end: dt.date, days_ago: int = 0, **kwargs: object) -> ForecastRun:
    return ForecastRunFactory.create(
        status=kwargs.pop("status", ForecastRunStatus.SUCCEEDED),
        history_end=history_end,
        finished_at=timezone.now() - dt.timedelta(days=days_ago),
        **kwargs,
    )


def _part(number: str) -> Part:
    return PartFactory.create(part_number=number, is_demo=False)


@pytest.mark.django_db
def test_accuracy_report_compares_older_runs_with_the_latest_history(django_assert_num_queries):
    latest_end = dt.date(2025, 3, 3)
    latest = _run(latest_end)
    screen, hinge = _part("SCREEN-1"), _part("HINGE-1")
    PartForecastFactory.create(
        run=latest,
        part=screen,
        history=[0, 0, 0, 0, 2, 0, 5, 1],
        history_start=MONDAY,
        accuracy={"holdout_weeks": 4, "actual": 8, "forecast": 6, "wql": 0.5, "covered_80": 0.75},
    )
    PartForecastFactory.create(
        run=latest,
        part=hinge,
        history=[1, 1, 1, 1, 1, 1, 1, 1],
        history_start=MONDAY,
        accuracy={"holdout_weeks": 4, "actual": 4, "forecast": 4.5, "wql": 0.1, "covered_80": 1.0},
    )
    # Forecast from 3 Feb (4 weeks passed); an older re-run of the same week is ignored.
    four_weeks = _run(dt.date(2025, 2, 3), days_ago=28)
    _run(dt.date(2025, 2, 3), days_ago=29)
    PartForecastFactory.create(run=four_weeks, part=screen, weekly_mean=[1.0] * 8, weekly_quantiles={})
    PartForecastFactory.create(run=four_weeks, part=hinge, weekly_mean=[1.0] * 8, weekly_quantiles={})
    # Forecast from 24 Feb: one week passed. A failed run and a later run are left out.
    one_week = _run(dt.date(2025, 2, 24), days_ago=7)
    PartForecastFactory.create(run=one_week, part=screen, weekly_mean=[0.5] * 8, weekly_quantiles={})
    PartForecastFactory.create(
        run=_run(dt.date(2025, 2, 17), days_ago=14, status=ForecastRunStatus.FAILED),
        part=screen,
        weekly_mean=[9.0] * 8,
    )

    with django_assert_num_queries(5):  # latest run, its rows, earlier runs, latest histories, old rows
        report = reports.accuracy_report(sort="error")

    assert report.run == latest
    assert report.summary is not None and (report.summary.actual, report.summary.forecast) == (12, 10.5)
    assert [row.part_number for row in report.rows] == ["SCREEN-1", "HINGE-1"]
    assert [(r.run_id, r.forecast_start, r.weeks) for r in report.realised] == [
        (one_week.pk, dt.date(2025, 2, 24), 1),
        (four_weeks.pk, dt.date(2025, 2, 3), 4),
    ]
    passed = report.realised[1]
    assert {(r.part_number, r.forecast, r.actual) for r in passed.rows} == {
        ("SCREEN-1", 4.0, 8.0),
        ("HINGE-1", 4.0, 4.0),
    }
    assert passed.bias == -4.0
    assert passed.mae == pytest.approx((1 + 1 + 4 + 0 + 0) / 8)
    assert passed.coverage_80 is None


@pytest.mark.django_db
def test_accuracy_report_without_runs_is_empty():
    report = reports.accuracy_report(sort="nonsense")

    assert (report.run, report.summary, report.rows, report.realised, report.sort) == (
        None,
        None,
        [],
        [],
        "error",
    )


@pytest.mark.django_db
def test_group_by_vendor_orders_vendors_and_blocks_what_cannot_be_ordered():
    run = _run(MONDAY)
    acme, zeta = VendorFactory.create(name="Acme"), VendorFactory.create(name="Zeta")
    lines = [
        ReorderSuggestionFactory.create(
            run=run, part=PartFactory.create(part_number="P-Z", is_demo=False, vendor=zeta)
        ),
        ReorderSuggestionFactory.create(
            run=run, part=PartFactory.create(part_number="P-NONE", is_demo=False, vendor=None)
        ),
        ReorderSuggestionFactory.create(
            run=run,
            part=PartFactory.create(part_number="P-A", is_demo=False, vendor=acme, unit_cost=Decimal("2.50")),
            suggested_quantity=3,
        ),
        ReorderSuggestionFactory.create(run=run, part=PartFactory.create(part_number="DEMO-1", vendor=acme)),
    ]

    groups = reports.group_by_vendor(lines)

    assert [g.vendor.name if g.vendor else None for g in groups] == ["Acme", "Zeta", None]
    assert [line.blocked_reason for line in groups[0].lines] == ["", "demo part — cannot be ordered"]
    assert groups[0].lines[0].total == Decimal("7.50")
    assert groups[2].lines[0].blocked_reason == "no vendor" and not groups[2].orderable
