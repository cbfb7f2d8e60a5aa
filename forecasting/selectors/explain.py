"""Why a part's forecast differs from its recent use, in one plain sentence.

The engine does not store a reason per part, but it does record what moves a forecast away from
the part's past: the run's pooled model (``run.parameters["model"]``) holds the district-wide
``trend`` factor every part's forecast is multiplied by, the ``method`` (``pooled_rate`` when the
history was too short to learn the part's own pattern) and the average part's rate; the devices a
part fits (its exposure) scale its forecast by how many will be in service over the horizon
against recently, so a part whose devices reach their Auto Update Expiration fades out. Recent
use weighs more than older use. Only these recorded causes are named, and only when they push
the forecast the way it moved; otherwise the sentence says what is known and no more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forecasting.models import PartForecast
from forecasting.selectors import demand

#: A forecast this far (as a share) above or below the same span of past use gets a sentence.
THRESHOLD = 0.25
#: Below this many units on both sides a percentage is noise: no sentence unless a cause is recorded.
MIN_UNITS = 3.0
#: Weeks of "recent" use compared with the whole span, and the units the span needs for that to mean anything.
RECENT_WEEKS = 13
RECENT_MIN_UNITS = 6.0
YEAR_WEEKS = 52


@dataclass(frozen=True)
class ForecastDrivers:
    """What the run recorded that can move a part's forecast away from its past use."""

    trend: float | None = None  # district-wide factor on every part's forecast (1 = none)
    pooled_rate: bool = False  # too little history: the part's recent rate shrunk to the average
    average_weekly: float | None = None  # the average part's rate per week (pooled_rate's target)
    fits_devices: bool = False  # the part names compatible device models
    devices_before: float | None = None  # devices the part fits, in service recently (mean)
    devices_after: float | None = None  # the same, on average over the forecast horizon


def _fmt(value: float) -> str:
    """A quantity as a sentence writes it: 12, 2.5, 0.24, 0.038."""
    if value >= 10 or math.isclose(value, round(value), abs_tol=1e-9):
        return f"{round(value):,}"
    if value >= 1:
        return f"{value:.1f}".removesuffix(".0")
    return f"{value:.2g}"


def _span(weeks: int) -> str:
    return "12 months" if weeks == YEAR_WEEKS else f"{weeks} weeks"


def change_sentence(
    *,
    forecast_total: float,
    horizon_weeks: int,
    history: Sequence[float | None],
    drivers: ForecastDrivers,
) -> str:
    """The sentence, or "" when the forecast is within THRESHOLD of the same span of past use.

    Compares the forecast over the horizon with the use over as many of the last weeks (fewer
    when the history is shorter: then as rates per week). Names every recorded driver that
    pushes the forecast the way it moved; names none when none does.
    """
    if horizon_weeks < 1:
        return ""
    recent = list(history[-horizon_weeks:])
    seen = [float(v) for v in recent if v is not None and math.isfinite(float(v))]
    past_weeks = len(seen)
    if past_weeks == 0:
        return ""
    past_total = sum(seen)
    ahead = f"the next {_span(horizon_weeks)}"
    behind = f"the last {_span(past_weeks)}"
    small = max(forecast_total, past_total) < MIN_UNITS
    if past_total <= 0:
        reasons = _reasons(up=True, history=seen, drivers=drivers)
        if forecast_total <= 0 or (small and not reasons):
            return ""
        return (
            f"The forecast for {ahead} ({_fmt(forecast_total)}) compares with no use at all in {behind}"
            + _because(reasons)
        )
    forecast_rate, past_rate = forecast_total / horizon_weeks, past_total / past_weeks
    change = forecast_rate / past_rate - 1
    if abs(change) < THRESHOLD:
        return ""
    reasons = _reasons(up=change > 0, history=seen, drivers=drivers)
    if small and not reasons:
        return ""
    direction = "below" if change < 0 else "above"
    percent = round(abs(change) * 100)
    if percent == 100 and change < 0 and forecast_total > 0:
        percent = 99  # not "100% below" while some demand is still forecast
    rates = ""
    if past_weeks != horizon_weeks:
        rates = f" ({_fmt(forecast_rate)} a week against {_fmt(past_rate)} a week)"
    return (
        f"The forecast for {ahead} ({_fmt(forecast_total)}) is {percent}% {direction} "
        f"the use in {behind} ({_fmt(past_total)}){rates}" + _because(reasons)
    )


def _because(reasons: Sequence[str]) -> str:
    if not reasons:
        return (
            ". The forecast records no single cause for this: it follows how often and how much the "
            "part was used, recent months weighing most."
        )
    return " because " + _join(reasons) + "."


def _reasons(*, up: bool, history: Sequence[float], drivers: ForecastDrivers) -> list[str]:
    """The recorded drivers that push the forecast the way it moved (``up`` or down)."""
    reasons: list[str] = []
    before, after = drivers.devices_before, drivers.devices_after
    if not up and drivers.fits_devices and after is not None and after <= 0:
        reasons.append(
            "every device it fits has reached its Auto Update Expiration, so none will be in service "
            "over the forecast"
        )
    elif before and after is not None and before > 0:
        ratio = after / before
        if not up and ratio < 0.9:
            reasons.append(
                f"the devices it fits are reaching their Auto Update Expiration: {_fmt(after)} in service "
                f"on average over the forecast against {_fmt(before)} recently"
            )
        elif up and ratio > 1.1:
            reasons.append(
                f"more devices it fits will be in service: {_fmt(after)} on average over the forecast "
                f"against {_fmt(before)} recently"
            )
    trend = drivers.trend
    if trend is not None and math.isfinite(trend):
        if not up and trend < 0.95:
            reasons.append(
                "part use across the district is falling, which lowers every part's forecast "
                f"by {1 - trend:.0%}"
            )
        elif up and trend > 1.05:
            reasons.append(
                "part use across the district is rising, which raises every part's forecast "
                f"by {trend - 1:.0%}"
            )
    if len(history) > RECENT_WEEKS and sum(history) >= RECENT_MIN_UNITS:
        recent = sum(history[-RECENT_WEEKS:])
        usual = sum(history) / len(history) * RECENT_WEEKS
        span = _span(len(history))
        if not up and recent < 0.75 * usual:
            reasons.append(
                f"use slowed: {_fmt(recent)} in the last {RECENT_WEEKS} weeks against {_fmt(usual)} per "
                f"{RECENT_WEEKS} weeks over the {span}, and recent weeks weigh most"
            )
        elif up and recent > 1.25 * usual:
            reasons.append(
                f"use picked up: {_fmt(recent)} in the last {RECENT_WEEKS} weeks against {_fmt(usual)} per "
                f"{RECENT_WEEKS} weeks over the {span}, and recent weeks weigh most"
            )
    if drivers.pooled_rate and drivers.average_weekly is not None and history:
        own = sum(history) / len(history)
        if (up and drivers.average_weekly > own) or (not up and drivers.average_weekly < own):
            reasons.append(
                "its history is too short to learn its own pattern, so its rate is pulled towards the "
                f"average part's ({_fmt(drivers.average_weekly)} a week)"
            )
    return reasons


def _join(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return "; ".join(items[:-1]) + "; and " + items[-1]


# Reading the drivers of one forecast ------------------------------------------------------------


def _model(parameters: Mapping[str, Any]) -> Mapping[str, Any]:
    model = parameters.get("model")
    return model if isinstance(model, Mapping) else {}


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def forecast_drivers(forecast: PartForecast) -> ForecastDrivers:
    """The run's recorded drivers for one part (four queries for the devices it fits).

    The devices are counted as the engine counts them: in service in the weeks the model calls
    recent (12 of its buckets before the forecast starts) against the forecast weeks.
    """
    run = forecast.run
    model = _model(run.parameters or {})
    season = int(_float(model.get("season_length")) or 1)
    unit = max(1, round(season / 12))
    prior = _float(model.get("prior_rate"))
    drivers = ForecastDrivers(
        trend=_float(model.get("trend")),
        pooled_rate=forecast.method == "pooled_rate",
        average_weekly=prior / unit if prior is not None else None,
    )
    if run.history_end is None or forecast.horizon_weeks < 1:
        return drivers
    recent = 12 * unit
    first = run.history_end - dt.timedelta(weeks=recent)
    weeks = [first + dt.timedelta(weeks=i) for i in range(recent + forecast.horizon_weeks)]
    exposure = demand.exposure_matrix(parts=[forecast.part], week_starts=weeks)[0]
    before, after = float(exposure[:recent].mean()), float(exposure[recent:].mean())
    # Without compatible models the engine ignores exposure; with them, no device at all is news.
    fits = forecast.part.compatible_models.exists()
    return dataclasses.replace(drivers, fits_devices=fits, devices_before=before, devices_after=after)


def forecast_change(forecast: PartForecast) -> str:
    """The sentence for a forecast row (see change_sentence); "" for a failed part."""
    if forecast.error:
        return ""
    return change_sentence(
        forecast_total=forecast.point,
        horizon_weeks=forecast.horizon_weeks,
        history=forecast.history or [],
        drivers=forecast_drivers(forecast),
    )
