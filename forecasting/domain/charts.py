"""An inline SVG of a part's weekly demand and its forecast: no JavaScript, nothing from a CDN.

History is drawn as bars, the forecast as its mean line, its median (a thick dashed orange line
drawn on top, so it shows even where it is zero) and the 10-90% band as a shaded polygon, with a
"today" divider where history ends. The y-axis runs from 0 to the largest value shown plus
headroom (at least one unit a week). Colours are SVG presentation attributes (the
Content-Security-Policy refuses style attributes); ``legend`` draws the matching key in HTML.

Two layouts: ``WIDE`` for tablets and desktops, ``COMPACT`` for phones (a narrower view box, the
last year of history, fewer labels and larger type, so text stays readable at 390 px).

Every number written into the markup is formatted by this module and every text goes through
``format_html``, so the result is safe to put in a page as it is.
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

# Colours, each at least 3:1 against white (WCAG 1.4.11) except the band, which is an area.
HISTORY_COLOUR = "#1f5fa8"
BAND_COLOUR = "#1f5fa8"
BAND_OPACITY = "0.18"
MEAN_COLOUR = "#1d2733"
MEDIAN_COLOUR = "#c2410c"
TODAY_COLOUR = "#5b6775"
TEXT_COLOUR = "#4a5563"
GRID_COLOUR = "#d9dee5"
AXIS_COLOUR = "#8a94a0"
MEAN_WIDTH = 2.5
MEDIAN_WIDTH = 3.0


@dataclass(frozen=True)
class Layout:
    """The view box, margins, type size and how much history one drawing of the chart shows."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = MARGIN_LEFT
    right: int = MARGIN_RIGHT
    top: int = MARGIN_TOP
    bottom: int = MARGIN_BOTTOM
    font_size: int = 12
    most_month_labels: int = 12
    history_weeks: int | None = None  # None: all of it


WIDE = Layout()
# At 390 px the card is about 335 px wide: 400 units scale to 0.84, so 15 units read as 12.6 px.
COMPACT = Layout(
    width=400,
    height=320,
    left=34,
    right=10,
    top=14,
    bottom=46,
    font_size=15,
    most_month_labels=4,
    history_weeks=52,
)


@dataclass(frozen=True)
class Geometry:
    """Where the plot area is, and how weeks and quantities map onto it."""

    weeks: int
    y_max: float
    left: float = MARGIN_LEFT
    right: float = WIDTH - MARGIN_RIGHT
    top: float = MARGIN_TOP
    bottom: float = HEIGHT - MARGIN_BOTTOM

    @classmethod
    def of(cls, layout: Layout, *, weeks: int, y_max: float) -> Geometry:
        return cls(
            weeks=weeks,
            y_max=y_max,
            left=layout.left,
            right=layout.width - layout.right,
            top=layout.top,
            bottom=layout.height - layout.bottom,
        )

    @property
    def week_width(self) -> float:
        return (self.right - self.left) / max(self.weeks, 1)

    def x(self, week: float) -> float:
        """The left edge of ``week`` (0 = first history week); ``week + 0.5`` is its middle."""
        return self.left + week * self.week_width

    def y(self, quantity: float) -> float:
        share = min(max(quantity / self.y_max, 0.0), 1.0)
        return self.bottom - share * (self.bottom - self.top)

    def line_y(self, quantity: float, stroke_width: float) -> float:
        """Like ``y``, but a line's stroke never sinks into the x-axis: a zero week is drawn
        just above it, so a forecast of 0 stays visible instead of vanishing under the axis."""
        return min(self.y(quantity), self.bottom - stroke_width / 2)


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


def y_ticks(y_max: float, *, most: int = 4) -> list[float]:
    """Round values from 0 to ``y_max`` for the y labels: steps of 1, 2 or 5 x 10^k, at most
    ``most`` of them above zero; whole units once the scale reaches 2 (demand is counted)."""
    if not math.isfinite(y_max) or y_max <= 0:
        return [0.0]
    exponent = math.floor(math.log10(y_max)) - 1
    step = 1.0
    for _ in range(8):
        candidates = [m * 10**exponent for m in (1.0, 2.0, 5.0)]
        found = next((c for c in candidates if y_max / c <= most + 1e-9 and (y_max < 2 or c >= 1)), None)
        if found is not None:
            step = found
            break
        exponent += 1
    count = math.floor(y_max / step + 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


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
    layout: Layout = WIDE,
) -> SafeString:
    """The chart as an ``<svg>`` element with a title, a description and an aria-label.

    Bars are past weeks, then the forecast weeks follow with the 10-90% band, the mean and the
    median. Missing history weeks (None or NaN) draw no bar. A chart with nothing to show still
    renders axes and says so in its description. ``layout`` picks the view box (WIDE, COMPACT);
    COMPACT shows only the last year of history.
    """
    if layout.history_weeks is not None and len(history) > layout.history_weeks:
        dropped = len(history) - layout.history_weeks
        history = history[dropped:]
        if history_start is not None:
            history_start = history_start + dt.timedelta(weeks=dropped)
    low = quantile_series(weekly_quantiles, 0.1)
    median = quantile_series(weekly_quantiles, 0.5)
    high = quantile_series(weekly_quantiles, 0.9)
    mean = [float(v) for v in weekly_mean]
    horizon = len(mean)
    past = len(history)
    peak = max(_finite([*history, *mean, *high, *median]) or [0.0])
    # Headroom so the top of the band never sits on the frame; at least one unit a week, so a
    # part that is hardly used does not get a scale of hundredths that magnifies nothing.
    geometry = Geometry.of(layout, weeks=past + horizon, y_max=max(nice_ceiling(peak * 1.1), 1.0))

    parts: list[SafeString] = [
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html(
            '<desc id="{}-desc">{}</desc>',
            chart_id,
            describe(history, mean, high, history_start, median=median),
        ),
        _axes(geometry, history_start, layout),
        _bars(geometry, history),
    ]
    if horizon:
        parts.append(_forecast(geometry, past, mean, low, median, high))
    if past and horizon:
        x = geometry.x(past)
        parts.append(
            format_html(
                '<g class="today"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1.5" '
                'stroke-dasharray="4 3"/><text x="{}" y="{}" font-size="{}" fill="{}">today</text></g>',
                _n(x),
                _n(geometry.top),
                _n(x),
                _n(geometry.bottom),
                TODAY_COLOUR,
                _n(x + 4),
                _n(geometry.top + layout.font_size),
                layout.font_size,
                TEXT_COLOUR,
            )
        )
    return format_html(
        '<svg class="demand-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{}" '
        'aria-labelledby="{}-title {}-desc">{}</svg>',
        layout.width,
        layout.height,
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
    *,
    median: Sequence[float] = (),
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
        if median:
            text += f", weekly median between {min(median):g} and {max(median):g}"
        text += "."
    else:
        text += " No forecast."
    return text


def _axes(geometry: Geometry, history_start: dt.date | None, layout: Layout = WIDE) -> SafeString:
    size = layout.font_size
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" font-size="{}" text-anchor="end" fill="{}">{}</text>',
        (
            (
                _n(geometry.left),
                _n(geometry.y(value)),
                _n(geometry.right),
                _n(geometry.y(value)),
                GRID_COLOUR,
                _n(geometry.left - 6),
                _n(geometry.y(value) + size / 3),
                size,
                TEXT_COLOUR,
                f"{value:g}",
            )
            for value in y_ticks(geometry.y_max)
        ),
    )
    ticks = month_ticks(history_start, geometry.weeks, most=layout.most_month_labels) if history_start else []
    x_labels = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" font-size="{}" fill="{}">{}</text>',
        (
            (
                _n(geometry.x(week)),
                _n(geometry.bottom),
                _n(geometry.x(week)),
                _n(geometry.bottom + 4),
                AXIS_COLOUR,
                _n(min(geometry.x(week) + 2, layout.width - size * 4)),
                _n(geometry.bottom + 4 + size),
                size,
                TEXT_COLOUR,
                label,
            )
            for week, label in ticks
        ),
    )
    return format_html(
        '<g class="axes">{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>{}'
        '<text x="{}" y="{}" font-size="{}" fill="{}">units per week</text></g>',
        grid,
        _n(geometry.left),
        _n(geometry.bottom),
        _n(geometry.right),
        _n(geometry.bottom),
        AXIS_COLOUR,
        x_labels,
        _n(geometry.left),
        _n(layout.height - 6),
        size,
        TEXT_COLOUR,
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
        '<g class="history" fill="{}">{}</g>',
        HISTORY_COLOUR,
        format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}"/>', rows),
    )


def _points(geometry: Geometry, start: int, series: Sequence[float], stroke_width: float = 0.0) -> list[str]:
    def y(value: float) -> float:
        return geometry.line_y(value, stroke_width) if stroke_width else geometry.y(value)

    return [f"{_n(geometry.x(start + i + 0.5))},{_n(y(v))}" for i, v in enumerate(series)]


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
                '<polygon class="band" points="{}" fill="{}" fill-opacity="{}" stroke="none">'
                "<title>10-90% range</title></polygon>",
                " ".join(band_points(geometry, start, low, high)),
                BAND_COLOUR,
                BAND_OPACITY,
            )
        )
    pieces.append(
        format_html(
            '<polyline class="mean" points="{}" fill="none" stroke="{}" stroke-width="{}" '
            'stroke-linejoin="round"><title>expected demand</title></polyline>',
            " ".join(_points(geometry, start, mean, MEAN_WIDTH)),
            MEAN_COLOUR,
            MEAN_WIDTH,
        )
    )
    if median:
        # Last, so it is on top: the median of intermittent demand is often 0 for weeks on end.
        pieces.append(
            format_html(
                '<polyline class="median" points="{}" fill="none" stroke="{}" stroke-width="{}" '
                'stroke-dasharray="7 4" stroke-linejoin="round"><title>median forecast</title></polyline>',
                " ".join(_points(geometry, start, median, MEDIAN_WIDTH)),
                MEDIAN_COLOUR,
                MEDIAN_WIDTH,
            )
        )
    return format_html('<g class="forecast">{}</g>', mark_safe("".join(pieces)))


def _swatch(shape: SafeString) -> SafeString:
    return format_html(
        '<svg class="legend-swatch" width="28" height="14" viewBox="0 0 28 14" aria-hidden="true" '
        'focusable="false">{}</svg>',
        shape,
    )


def legend(
    *,
    history: Sequence[float | None],
    weekly_mean: Sequence[float],
    weekly_quantiles: Mapping[str, Sequence[float]],
) -> SafeString:
    """The chart's key as an HTML list: one entry per kind of mark the chart draws."""
    entries: list[tuple[str, str, SafeString]] = []
    if _finite(history):
        entries.append(
            (
                "history",
                "Used each week",
                format_html('<rect x="9" y="1" width="10" height="12" fill="{}"/>', HISTORY_COLOUR),
            )
        )
    if weekly_mean:
        low, high = quantile_series(weekly_quantiles, 0.1), quantile_series(weekly_quantiles, 0.9)
        if low and high:
            entries.append(
                (
                    "band",
                    "10-90% range: 8 weeks in 10 fall inside",
                    format_html(
                        '<rect x="1" y="1" width="26" height="12" fill="{}" fill-opacity="{}" stroke="{}"/>',
                        BAND_COLOUR,
                        BAND_OPACITY,
                        BAND_COLOUR,
                    ),
                )
            )
        entries.append(
            (
                "mean",
                "Expected demand (mean)",
                format_html(
                    '<line x1="1" y1="7" x2="27" y2="7" stroke="{}" stroke-width="{}"/>',
                    MEAN_COLOUR,
                    MEAN_WIDTH,
                ),
            )
        )
        if quantile_series(weekly_quantiles, 0.5):
            entries.append(
                (
                    "median",
                    "Median forecast: half the weeks above, half below",
                    format_html(
                        '<line x1="1" y1="7" x2="27" y2="7" stroke="{}" stroke-width="{}" '
                        'stroke-dasharray="7 4"/>',
                        MEDIAN_COLOUR,
                        MEDIAN_WIDTH,
                    ),
                )
            )
        if history:
            entries.append(
                (
                    "today",
                    "Today: history to the left, forecast to the right",
                    format_html(
                        '<line x1="14" y1="0" x2="14" y2="14" stroke="{}" stroke-width="1.5" '
                        'stroke-dasharray="4 3"/>',
                        TODAY_COLOUR,
                    ),
                )
            )
    items = format_html_join(
        "",
        '<li class="legend-{}">{} {}</li>',
        ((key, _swatch(shape), label) for key, label, shape in entries),
    )
    return format_html('<ul class="chart-legend" aria-label="Chart key">{}</ul>', items)


def median_note(weekly_quantiles: Mapping[str, Sequence[float]], weekly_mean: Sequence[float]) -> str:
    """A sentence when the median is 0 in most forecast weeks (it then lies on the axis)."""
    median = quantile_series(weekly_quantiles, 0.5)
    zero = sum(1 for v in median if v <= 0)
    if not median or zero * 2 <= len(median):
        return ""
    mean = _finite(list(weekly_mean))
    average = sum(mean) / len(mean) if mean else 0.0
    weeks = "every week" if zero == len(median) else f"in {zero} of {len(median)} weeks"
    if average < 0.005:
        return (
            f"The median forecast is 0 {weeks}, drawn along the axis, and so is expected demand: "
            "no use is expected."
        )
    return (
        f"The median forecast is 0 {weeks}, drawn along the axis: in a typical week this part is not "
        f"used at all. Some weeks will use one, so expected demand averages {average:.2g} a week."
    )
