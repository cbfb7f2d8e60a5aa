"""The demand chart: geometry inside the view box, the band's outline, edge cases and escaping."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from forecasting.domain import charts

MONDAY = dt.date(2024, 8, 5)
QUANTILES = {"0.1": [0.0, 1.0, 0.0, 2.0], "0.5": [1.0, 2.0, 1.0, 3.0], "0.9": [4.0, 5.0, 3.0, 7.0]}


def _match(pattern: str, text: str, flags: int = 0, group: int = 0) -> str:
    found = re.search(pattern, text, flags)
    assert found, f"{pattern!r} not found"
    return found.group(group)


def _numbers(svg: str, attribute: str) -> list[float]:
    return [float(v) for v in re.findall(rf'\b{attribute}="(-?[\d.]+)"', svg)]


def _points(svg: str, css_class: str) -> list[tuple[float, float]]:
    match = re.search(rf'class="{css_class}" points="([^"]*)"', svg)
    assert match, f"no {css_class} element"
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in match.group(1).split())]


def _chart(**overrides: object) -> str:
    arguments: dict = {
        "history": [0, 3, None, 1, 0, 6, 2, 0],
        "history_start": MONDAY,
        "weekly_mean": [1.5, 2.5, 1.0, 4.0],
        "weekly_quantiles": QUANTILES,
    }
    arguments.update(overrides)
    return str(charts.demand_chart(**arguments))


def test_demand_chart_puts_every_point_inside_the_view_box():
    svg = _chart()

    xs = _numbers(svg, "x") + _numbers(svg, "x1") + _numbers(svg, "x2")
    ys = _numbers(svg, "y") + _numbers(svg, "y1") + _numbers(svg, "y2")
    for css_class in ("band", "median", "mean"):
        points = _points(svg, css_class)
        xs += [x for x, _ in points]
        ys += [y for _, y in points]
    assert xs and ys
    assert all(0 <= x <= charts.WIDTH for x in xs)
    assert all(0 <= y <= charts.HEIGHT for y in ys)
    assert 'viewBox="0 0 760 300"' in svg


def test_demand_chart_band_has_two_points_per_forecast_week_and_runs_high_then_low():
    svg = _chart()

    band = _points(svg, "band")
    assert len(band) == 2 * 4
    upper, lower = band[:4], band[4:][::-1]
    assert [x for x, _ in upper] == [x for x, _ in lower]
    # SVG y grows downwards: the 90% edge is above (smaller y than) the 10% edge.
    assert all(u[1] <= lo[1] for u, lo in zip(upper, lower, strict=True))
    assert upper[3][1] < upper[2][1]  # 7 at week 4 is higher than 3 at week 3


def test_demand_chart_draws_a_bar_per_used_week_and_the_forecast_after_today():
    svg = _chart()

    assert svg.count("<rect ") == 4  # 3, 1, 6 and 2; zero and missing weeks draw nothing
    today_x = float(_match(r'<g class="today"><line x1="([\d.]+)"', svg, group=1))
    assert min(x for x, _ in _points(svg, "mean")) > today_x
    assert len(_points(svg, "median")) == 4


def test_demand_chart_is_accessible_and_labels_months_with_years():
    svg = _chart(history=[1.0] * 30)

    assert 'role="img"' in svg and 'aria-label="Weekly demand and forecast"' in svg
    assert 'aria-labelledby="demand-chart-title demand-chart-desc"' in svg
    assert '<title id="demand-chart-title">' in svg
    desc = _match(r"<desc[^>]*>([^<]*)</desc>", svg, group=1)
    assert desc.startswith("30 weeks of history from the week of 05 Aug 2024: 30 used")
    assert "Forecast for the next 4 weeks: 9.0 expected" in desc
    assert ">Sep 2024<" in svg  # the first label carries its year
    assert ">Jan 2025<" in svg and ">Oct<" in svg


def test_demand_chart_with_empty_history_shows_only_the_forecast():
    svg = _chart(history=[], history_start=None)

    assert "<rect " not in svg
    assert 'class="today"' not in svg
    assert len(_points(svg, "band")) == 8
    assert "No demand history." in svg


def test_demand_chart_with_all_zero_forecast_and_history_has_a_flat_band_on_the_axis():
    zeros = [0.0] * 4
    svg = _chart(
        history=[0.0] * 6, weekly_mean=zeros, weekly_quantiles={"0.1": zeros, "0.5": zeros, "0.9": zeros}
    )

    bottom = charts.HEIGHT - charts.MARGIN_BOTTOM
    assert {y for _, y in _points(svg, "band")} == {bottom}
    # Lines of zero sit just above the axis (half their stroke), so they are never hidden under it.
    for css_class, width in (("mean", charts.MEAN_WIDTH), ("median", charts.MEDIAN_WIDTH)):
        assert [y for _, y in _points(svg, css_class)] == pytest.approx([bottom - width / 2] * 4, abs=0.06)
    assert "nan" not in svg.lower() and "inf" not in svg.lower()


def test_demand_chart_draws_the_median_last_thick_and_in_its_own_colour():
    svg = _chart()

    median = _match(r"<polyline class=\"median\"[^>]*>", svg)
    assert f'stroke="{charts.MEDIAN_COLOUR}"' in median and f'stroke-width="{charts.MEDIAN_WIDTH}"' in median
    assert charts.MEDIAN_COLOUR not in (charts.MEAN_COLOUR, charts.HISTORY_COLOUR, charts.TODAY_COLOUR)
    # On top of the band and the mean.
    assert svg.index('class="median"') > svg.index('class="mean"') > svg.index('class="band"')
    # A median of 3 in week 4 is drawn above the axis, in proportion to the y scale (0 to 10).
    bottom = charts.HEIGHT - charts.MARGIN_BOTTOM
    _, y = _points(svg, "median")[3]
    assert y == pytest.approx(bottom - 0.3 * (bottom - charts.MARGIN_TOP), abs=0.05)


def test_demand_chart_scales_a_hardly_used_part_to_at_least_one_unit():
    svg = _chart(history=[0.0] * 6, weekly_mean=[0.01] * 4, weekly_quantiles={"0.5": [0.0] * 4})

    labels = re.findall(r'text-anchor="end"[^>]*>([^<]*)<', svg)
    assert labels == ["0", "0.5", "1"]


def test_demand_chart_y_labels_are_round_numbers():
    assert charts.y_ticks(2.5) == [0, 1, 2]
    assert charts.y_ticks(20) == [0, 5, 10, 15, 20]
    assert charts.y_ticks(1) == [0, 0.5, 1]


def test_demand_chart_compact_layout_shows_the_last_year_with_larger_type():
    svg = _chart(history=[1.0] * 120, history_start=MONDAY, layout=charts.COMPACT)

    assert 'viewBox="0 0 400 320"' in svg
    assert svg.count("<rect ") == 52
    assert 'font-size="15"' in svg and 'font-size="12"' not in svg
    month_labels = re.findall(
        r'<text x="[\d.]+" y="[\d.]+" font-size="15" fill="[^"]+">([A-Z][a-z]{2}[^<]*)<', svg
    )
    assert 1 <= len(month_labels) <= 4
    assert all(0 <= x <= 400 for x in _numbers(svg, "x"))


def test_legend_lists_what_the_chart_draws():
    legend = str(charts.legend(history=[0, 3, None], weekly_mean=[1.0, 2.0], weekly_quantiles=QUANTILES))

    assert 'aria-label="Chart key"' in legend
    for key in ("history", "band", "mean", "median", "today"):
        assert f'class="legend-{key}"' in legend
    assert 'aria-hidden="true"' in legend and "style=" not in legend
    bare = str(charts.legend(history=[], weekly_mean=[1.0], weekly_quantiles={}))
    assert "legend-history" not in bare and "legend-band" not in bare and "legend-median" not in bare


def test_median_note_when_the_median_is_zero_most_weeks():
    zeros = {"0.5": [0.0] * 50 + [1.0, 1.0]}

    note = charts.median_note(zeros, [0.1] * 52)

    assert note.startswith("The median forecast is 0 in 50 of 52 weeks")
    assert "expected demand averages 0.1 a week" in note
    assert charts.median_note({"0.5": [0.0] * 52}, [0.0] * 52).endswith(
        "and so is expected demand: no use is expected."
    )
    assert charts.median_note({"0.5": [1.0] * 52}, [1.2] * 52) == ""


def test_demand_chart_without_forecast_or_quantiles_still_renders():
    svg = _chart(weekly_mean=[], weekly_quantiles={})

    assert 'class="forecast"' not in svg
    assert "No forecast." in svg
    assert svg.count("<rect ") == 4


def test_demand_chart_escapes_the_title():
    svg = _chart(title='<script>alert("x")</script> & co')

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; co" in svg


def test_nice_ceiling_rounds_up_to_a_readable_scale():
    assert [charts.nice_ceiling(v) for v in (0, 0.7, 3, 7.2, 18, 240)] == [1.0, 1.0, 5.0, 10.0, 20.0, 250.0]


def test_month_ticks_thin_labels_on_long_histories():
    ticks = charts.month_ticks(dt.date(2020, 1, 6), 260)

    assert len(ticks) <= 12
    assert all(label.split()[0] in ("Jan", "Jul") for _, label in ticks)
    assert ticks[0][1] == "Jul 2020"


def test_quantile_series_accepts_either_key_spelling():
    assert charts.quantile_series({"0.10": [1, 2]}, 0.1) == [1.0, 2.0]
    assert charts.quantile_series({"median": [1]}, 0.5) == []
