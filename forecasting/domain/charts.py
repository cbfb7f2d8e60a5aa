"""An inline SVG of a part's weekly demand and its forecast: no JavaScript, nothing from a CDN.

History is drawn as bars, the forecast as its mean line, its median (dashed) and the 10-90%
band as a shaded polygon, with a "today" divider where history ends. Every number written into
the markup is formatted by this module and every text goes through ``format_html``, so the
result is safe to put in a page as it is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 760
HEIGHT = 300
MARGIN_LEFT = 48
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Geometry:
    """Where the plot area is, and how weeks and quantities map onto it."""

    weeks: int
    y_max: float
    left: float = MARGIN_LEFT
    right: float = WIDTH - MARGIN_RIGHT
    top: float = MARGIN_TOP
    bottom: float = HEIGHT - MARGIN_BOTTOM

    @property
    def week_width(self) -> float:
        return (self.right - self.left) / max(self.weeks, 1)

    def x(self, week: float) -> float:
        """The left edge of ``week`` (0 = first history week); ``week + 0.5`` is its middle."""
        return self.left + week * self.week_width

    def y(self, quantity: float) -> float:
        share = min(max(quantity / self.y_max, 0.0), 1.0)
        return self.bottom - share * (self.bottom - self.top)


def _n(value: float) -> str:
    """A coordinate as markup text: always a plain decimal number, never NaN or an exponent."""
    return f"{value:.1f}"


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least ``value`` (1 for nothing to show)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def quantile_series(weekly_quantiles: Mapping[str, Sequence[float]], level: float) -> list[float]:
    """The per-week series of one quantile level, whatever the key spelling ("0.1" or "0.10")."""
    for key, series in weekly_quantiles.items():
        try:
            if math.isclose(float(key), level):
                return [float(v) for v in series]
        except ValueError:
            continue
    return []


def month_ticks(history_start: dt.date, weeks: int, *, most: int = 12) -> list[tuple[int, str]]:
    """(week index, label) where a month starts, thinned to at most ``most`` labels.

    The step is 1, 2, 3, 6 or 12 months; a label carries its year in January and on the first
    label so the reader always knows which year they are in.
    """
    if weeks <= 0:
        return []
    months_shown = weeks * 7 / 30.44
    step = next((s for s in (1, 2, 3, 6, 12) if months_shown / s <= most), 12)
    ticks: list[tuple[int, str]] = []
    previous_month = None
    for week in range(weeks):
        day = history_start + dt.timedelta(weeks=week)
        key = (day.year, day.month)
        if key == previous_month:
            continue
        new_month = previous_month is not None
        previous_month = key
        if not new_month or (day.month - 1) % step:
            continue
        label = MONTHS[day.month - 1]
        if day.month == 1 or not ticks:
            label = f"{label} {day.year}"
        ticks.append((week, label))
    return ticks


def demand_chart(
    *,
    history: Sequence[float | None],
    weekly_mean: Sequence[float],
    weekly_quantiles: Mapping[str, Sequence[float]],
    history_start: dt.date | None = None,
    title: str = "Weekly demand and forecast",
    chart_id: str = "demand-chart",
) -> SafeString:
    """The chart as an ``<svg>`` element with a title, a description and an aria-label.

    Bars are past weeks, then the forecast weeks follow with the 10-90% band, the median and
    the mean. Missing history weeks (None or NaN) draw no bar. A chart with nothing to show
    still renders axes and says so in its description.
    """
    low = quantile_series(weekly_quantiles, 0.1)
    median = quantile_series(weekly_quantiles, 0.5)
    high = quantile_series(weekly_quantiles, 0.9)
    mean = [float(v) for v in weekly_mean]
    horizon = len(mean)
    past = len(history)
    peak = max(_finite([*history, *mean, *high, *median]) or [0.0])
    # A little headroom so the top of the band never sits on the frame.
    geometry = Geometry(weeks=past + horizon, y_max=nice_ceiling(peak * 1.1))

    parts: list[SafeString] = [
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html('<desc id="{}-desc">{}</desc>', chart_id, describe(history, mean, high, history_start)),
        _axes(geometry, history_start),
        _bars(geometry, history),
    ]
    if horizon:
        parts.append(_forecast(geometry, past, mean, low, median, high))
    if past and horizon:
        x = geometry.x(past)
        parts.append(
            format_html(
                '<g class="today"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#a11d2b" '
                'stroke-dasharray="4 3"/><text x="{}" y="{}" font-size="11" fill="#a11d2b">today</text></g>',
                _n(x),
                _n(geometry.top),
                _n(x),
                _n(geometry.bottom),
                _n(x + 3),
                _n(geometry.top + 10),
            )
        )
    return format_html(
        '<svg class="demand-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'width="100%" role="img" aria-label="{}" aria-labelledby="{}-title {}-desc">{}</svg>',
        WIDTH,
        HEIGHT,
        title,
        chart_id,
        chart_id,
        mark_safe("".join(parts)),
    )


def describe(
    history: Sequence[float | None],
    mean: Sequence[float],
    high: Sequence[float],
    history_start: dt.date | None,
) -> str:
    """One plain sentence a screen reader reads instead of looking at the picture."""
    seen = _finite(history)
    if seen:
        since = f" from the week of {history_start:%d %b %Y}" if history_start else ""
        text = f"{len(history)} weeks of history{since}: {sum(seen):g} used, at most {max(seen):g} a week."
    else:
        text = "No demand history."
    if mean:
        text += f" Forecast for the next {len(mean)} weeks: {sum(mean):.1f} expected"
        if high:
            text += f", weekly 10-90% range up to {max(high):.1f}"
        text += "."
    else:
        text += " No forecast."
    return text


def _axes(geometry: Geometry, history_start: dt.date | None) -> SafeString:
    y_ticks = [0.0, geometry.y_max / 2, geometry.y_max]
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d9dee5"/>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5b6775">{}</text>',
        (
            (
                _n(geometry.left),
                _n(geometry.y(value)),
                _n(geometry.right),
                _n(geometry.y(value)),
                _n(geometry.left - 6),
                _n(geometry.y(value) + 4),
                f"{value:g}",
            )
            for value in y_ticks
        ),
    )
    ticks = month_ticks(history_start, geometry.weeks) if history_start else []
    x_labels = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5b6775"/>'
        '<text x="{}" y="{}" font-size="11" fill="#5b6775">{}</text>',
        (
            (
                _n(geometry.x(week)),
                _n(geometry.bottom),
                _n(geometry.x(week)),
                _n(geometry.bottom + 4),
                _n(geometry.x(week) + 2),
                _n(geometry.bottom + 16),
                label,
            )
            for week, label in ticks
        ),
    )
    return format_html(
        '<g class="axes">{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#1d2733"/>{}'
        '<text x="{}" y="{}" font-size="11" fill="#5b6775">units per week</text></g>',
        grid,
        _n(geometry.left),
        _n(geometry.bottom),
        _n(geometry.right),
        _n(geometry.bottom),
        x_labels,
        _n(geometry.left),
        _n(HEIGHT - 6),
    )


def _bars(geometry: Geometry, history: Sequence[float | None]) -> SafeString:
    width = max(geometry.week_width * 0.8, 0.5)
    rows = []
    for week, value in enumerate(history):
        if value is None or not math.isfinite(float(value)) or float(value) <= 0:
            continue
        top = geometry.y(float(value))
        rows.append(
            (
                _n(geometry.x(week) + geometry.week_width * 0.1),
                _n(top),
                _n(width),
                _n(geometry.bottom - top),
            )
        )
    return format_html(
        '<g class="history" fill="#1f5fa8">{}</g>',
        format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}"/>', rows),
    )


def _points(geometry: Geometry, start: int, series: Sequence[float]) -> list[str]:
    return [f"{_n(geometry.x(start + i + 0.5))},{_n(geometry.y(v))}" for i, v in enumerate(series)]


def band_points(geometry: Geometry, start: int, low: Sequence[float], high: Sequence[float]) -> list[str]:
    """The band's outline: along the 90% line forward, then back along the 10% line."""
    return _points(geometry, start, high) + _points(geometry, start, low)[::-1]


def _forecast(
    geometry: Geometry,
    start: int,
    mean: Sequence[float],
    low: Sequence[float],
    median: Sequence[float],
    high: Sequence[float],
) -> SafeString:
    pieces: list[SafeString] = []
    if low and high and len(low) == len(high):
        pieces.append(
            format_html(
                '<polygon class="band" points="{}" fill="#1f5fa8" fill-opacity="0.18" stroke="none">'
                "<title>10-90% range</title></polygon>",
                " ".join(band_points(geometry, start, low, high)),
            )
        )
    if median:
        pieces.append(
            format_html(
                '<polyline class="median" points="{}" fill="none" stroke="#5b6775" '
                'stroke-dasharray="5 3" stroke-width="1.5"><title>median</title></polyline>',
                " ".join(_points(geometry, start, median)),
            )
        )
    pieces.append(
        format_html(
            '<polyline class="mean" points="{}" fill="none" stroke="#1d2733" stroke-width="2">'
            "<title>expected</title></polyline>",
            " ".join(_points(geometry, start, mean)),
        )
    )
    return format_html('<g class="forecast">{}</g>', mark_safe("".join(pieces)))
