"""Intermittent-demand forecasting engine: pure Python and NumPy, importable without Django.

``forecast(history, horizon=H, season_length=M, quantiles=...)`` takes demand counts of shape
(parts, periods), NaN where a period has no data, oldest first, and returns a ``ForecastResult``.

How it forecasts (method ``pooled_glm``)
-----------------------------------------
1. Temporal aggregation: periods are grouped into "buckets" of ``season_length / 12`` periods
   (months for weekly data, the periods themselves for monthly data), so that features mean the
   same thing whatever the period length.
2. Pooling: one Poisson regression with a log link learns, from every part at once, how the
   demand over the next ``horizon`` periods follows from what a part's history looks like at a
   past origin: recent demand over 3, 6 and 12 buckets, the whole-history rate, buckets since the
   last demand, the part's age (buckets since its first demand: new parts ramp up, old ones fade;
   a part selling in the data's first bucket is at least as old as the data, and reads as old),
   the share of buckets with demand, the largest bucket, and an exponentially smoothed level
   (SMOOTHED_WEIGHT: every bucket counts, recent ones more). Training samples come from rolling
   origins inside the history, recent origins weighing more, with a time term so a district-wide
   decline or growth carries forward. The origins run on past the last whole window while half a
   window is still observed (scaled up, as a window with missing periods is), so the model also
   learns from the latest periods rather than only from windows that ended a horizon ago.
   Nothing is tuned to one data set: every coefficient is re-estimated from the history it is
   given.
3. Obsolescence and exposure: with ``exposure`` (for example devices a part fits, per period,
   including the forecast periods), a part's forecast follows the change of its exposure from
   the last season to the horizon, so a part whose devices are being retired fades out with
   them.
4. Distribution: the total over a window is negative binomial with variance
   ``(1 + k·d)·μ + (c + b·spread)·μ²`` fitted to the rolling-origin errors beyond counting noise
   (``d`` a part's own dispersion per unit of demand: its batch sizes; ``c`` is level
   uncertainty, ``spread`` a part's own burstiness beyond Poisson, scale-free);
   a period's demand is negative binomial with variance μ·(1 + k·d) + (c + j·s)·μ², ``d`` the
   part's own dispersion per unit of demand over its history (batch sizes, read around the
   calendar's shape), ``s`` its spread per unit squared over the last two seasons (a level that
   moves), and ``k``, ``j`` the scales that scored the lowest quantile loss on three training
   origins (``_fit_period_shape``: bursty parts get wide periods, smooth ones Poisson, as each
   data set shows). Quantile levels of the total are mapped so that, over the rolling origins,
   ordering each part's τ-quantile fills τ of demand (calibration, read between the levels of a
   fine grid rather than rounded up to one).
5. Calendar: with ``covariates`` (for example the share of school days in a week), a pooled
   calendar effect is fitted on all parts' total demand; history is divided by it before the
   features are read (a quiet summer does not look like a part dying) and each forecast period
   gets its own effect back, so a window that holds a holiday forecasts less.

No single input breaks it
-------------------------
- Missing periods (NaN) are unknown, never zero demand: features average over observed buckets,
  a training window counts when half of it is observed (scaled up to the whole), and the
  district-wide totals behind the trend, the seasonal index and the calendar read a missing cell
  as its part's observed average nearby (``_filled``).
- Outliers: a part's largest period more than OUTLIER_FACTOR times its second largest is read as
  missing (``_tame``), before anything pooled is estimated, so one freak month moves neither its
  part much nor any other part.
- Calibration by size: the level map is fitted on all parts (volume-weighted, which sizes the
  stock most cheaply) and then, per size class of forecast total, moved as far as it takes for
  that class to fill within CLASS_TOLERANCE of its target: slow parts beside fast ones get their
  fill too.
- Short histories (too short for whole-horizon origins) train on shorter windows scaled up to the
  horizon (``_fit_pooled``), so 18-24 months get the model rather than a pooled rate.
- Negative-binomial tables are computed a block of parts at a time, sized by each block's widest
  part (TABLE_CELLS): memory grows with the number of parts, not with the lumpiest one's range.

Parts with too little history even for short windows fall back to ``pooled_rate``: each part's
recent rate shrunk towards the average part (empirical Bayes), with the same distributions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

DEFAULT_QUANTILES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

FloatArray = NDArray[np.float64]

#: Variance of a window total when the history is too short to fit one.
FALLBACK_VARIANCE_TERMS = (1.5, 0.25, 0.1)
#: Recent origins weigh more: an origin this many buckets older counts half.
ORIGIN_HALF_LIFE = 2.0
#: At most this many buckets of origins with a whole window ahead train the model (older ones
#: describe another fleet), and after them the origins whose window is half observed or more.
MAX_ORIGINS = 6
#: Buckets of history a feature needs before an origin may train the model.
MIN_HISTORY_BUCKETS = 12
RIDGE = 1e-3
#: Negative binomials with a larger mean use a normal approximation.
NORMAL_ABOVE = 60.0
#: A seasonal index is shrunk towards no season: with s seasons seen, s / (s + SEASON_PRIOR) of
#: it counts (half a season of prior: after two years, two thirds of what they show).
SEASON_PRIOR = 0.5
#: Seasons of rolling totals the district-wide trend is fitted on.
TREND_SEASONS = 2


@dataclass(frozen=True)
class ForecastResult:
    """Per-part forecast over ``horizon`` periods.

    ``mean`` (parts, H) expected demand per period; ``quantiles`` (parts, H, len(levels)) per
    period; ``method`` per part. ``c1``/``c2``: variance of the horizon total, c1·μ + c2·μ²;
    ``period_variance`` (parts, H) and ``level_uncertainty`` (parts,) describe shorter windows.
    """

    mean: FloatArray
    quantiles: FloatArray
    levels: tuple[float, ...]
    method: tuple[str, ...]
    c1: FloatArray
    c2: FloatArray
    level_map: tuple[tuple[float, float], ...] = ()
    period_variance: FloatArray | None = None
    level_uncertainty: FloatArray | None = None
    part_levels: FloatArray | None = None  # (parts, len(level_map)): each part's own mapped levels

    def total_quantiles(self, taus: Sequence[float]) -> FloatArray:
        """What to buy for the whole horizon: per part, the total whose τ-share of demand is filled.

        Shape (parts, len(taus)). The levels are calibrated on rolling origins so that buying every
        part's τ-quantile filled τ of all demand (a fill rate), which is what an annual buy is
        sized from. For the probability of running short in a window, use ``sum_quantiles``.
        """
        total = self.mean.sum(axis=1)
        if self.part_levels is None or not self.level_map:
            mapped = np.array([_map_level(float(t), self.level_map) for t in taus])
        else:
            nominal = np.array([p[0] for p in self.level_map])
            mapped = np.stack([_map_levels(float(t), nominal, self.part_levels) for t in taus], axis=1)
        return nbinom_quantiles(total, self.c1 * total + self.c2 * total**2, mapped)

    def sum_quantiles(self, start: int, stop: int, taus: Sequence[float]) -> FloatArray:
        """Quantiles of each part's demand over periods [start, stop): P(demand ≤ q) = τ.

        Shape (parts, len(taus)). Periods vary independently around the part's level, which is
        itself uncertain; a lead time's reorder point is its service-level quantile.
        """
        window = self.mean[:, start:stop]
        total = window.sum(axis=1)
        if self.period_variance is None or self.level_uncertainty is None:
            variance = self.c1 * total + self.c2 * total**2
        else:
            variance = self.period_variance[:, start:stop].sum(axis=1) + self.level_uncertainty * total**2
        return nbinom_quantiles(total, variance, np.asarray(taus, dtype=float))


@dataclass(frozen=True)
class PooledModel:
    """What ``fit`` learned from all parts together; ``forecast(..., model=m)`` applies it to any of them.

    Plain numbers only, so a job can fit once, store ``to_json()`` and let every chunk of parts
    forecast with the same model (``from_json``).
    """

    horizon: int
    season_length: int
    method: str
    theta: tuple[float, ...]
    age_cap: int
    variance: tuple[float, float, float]
    level_map: tuple[tuple[float, float], ...]
    trend: float
    prior_rate: float
    calendar: tuple[float, ...]
    seasonal: tuple[float, ...] = ()
    #: Calibration by size: the typical horizon total of each size class and its mapped levels
    #: (one per ``level_map`` pair); a part's levels are read between the classes around its total.
    level_sizes: tuple[float, ...] = ()
    level_maps: tuple[tuple[float, ...], ...] = ()
    #: Scales of a part's own dispersion (per unit of demand) and spread (per unit squared) in a
    #: single period's distribution, chosen on backtests. A model stored before them has (0, 1).
    period_dispersion: float = 0.0
    period_spread: float = 1.0
    #: Scale of a part's own dispersion per unit of demand in its horizon total's variance (``a`` in
    #: ``variance`` is then the counting noise). A model stored before it has 0: a pooled ``a``.
    total_dispersion: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "horizon": self.horizon,
            "season_length": self.season_length,
            "method": self.method,
            "theta": list(self.theta),
            "age_cap": self.age_cap,
            "variance": list(self.variance),
            "level_map": [list(pair) for pair in self.level_map],
            "trend": self.trend,
            "prior_rate": self.prior_rate,
            "calendar": list(self.calendar),
            "seasonal": list(self.seasonal),
            "level_sizes": list(self.level_sizes),
            "level_maps": [list(row) for row in self.level_maps],
            "period_dispersion": self.period_dispersion,
            "period_spread": self.period_spread,
            "total_dispersion": self.total_dispersion,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PooledModel:
        """Raises ValueError for a model an engine with other features fitted (fit it again)."""
        if data["method"] == "pooled_glm" and len(data["theta"]) != DESIGN_WIDTH:
            raise ValueError("the model was fitted with other features: fit it again")
        a, b, c = (float(v) for v in data["variance"])
        return cls(
            horizon=int(data["horizon"]),
            season_length=int(data["season_length"]),
            method=str(data["method"]),
            theta=tuple(float(v) for v in data["theta"]),
            age_cap=int(data["age_cap"]),
            variance=(a, b, c),
            level_map=tuple((float(x), float(y)) for x, y in data["level_map"]),
            trend=float(data["trend"]),
            prior_rate=float(data["prior_rate"]),
            calendar=tuple(float(v) for v in data["calendar"]),
            seasonal=tuple(float(v) for v in data.get("seasonal", ())),
            level_sizes=tuple(float(v) for v in data.get("level_sizes", ())),
            level_maps=tuple(tuple(float(v) for v in row) for row in data.get("level_maps", ())),
            period_dispersion=float(data.get("period_dispersion", 0.0)),
            period_spread=float(data.get("period_spread", 1.0)),
            total_dispersion=float(data.get("total_dispersion", 0.0)),
        )


@dataclass(frozen=True)
class _Prepared:
    y: FloatArray
    unit: int
    exposure_ratio: FloatArray
    effect: FloatArray  # calendar effect per period, history then horizon (history mean 1)
    buckets: FloatArray  # calendar-adjusted demand summed into buckets


def _prepare(
    history: Any,
    horizon: int,
    season_length: int,
    exposure: Any,
    covariates: Any,
    calendar: tuple[float, ...] | None = None,
    seasonal: tuple[float, ...] | None = None,
) -> _Prepared:
    """Validate, and turn history into calendar- and season-adjusted buckets.

    ``calendar`` and ``seasonal``: those of a fitted model; None estimates them on this history.
    """
    y = np.array(history, dtype=float, ndmin=2)
    if y.ndim != 2:
        raise ValueError("history must be one row of demand per part")
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if np.any(y[~np.isnan(y)] < 0):
        raise ValueError("demand history must not be negative")
    n, t = y.shape
    unit = max(1, min(round(season_length / 12), t))  # at least one bucket
    ratio = _exposure_ratio(exposure, n, t, horizon, recent=12 * unit)
    c = _covariate_matrix(covariates, t, horizon)
    if calendar is None:
        calendar = _calendar_coefficients(_tame(y), c)
    if c is None or not calendar:
        effect = np.ones(t + horizon)
    else:
        if c.shape[1] != len(calendar):
            raise ValueError("the model was fitted with other covariates")
        effect = np.exp(np.clip(c @ np.array(calendar), -5, 5))
        effect = effect / effect[:t].mean()
    if seasonal is None:
        seasonal = _seasonal_index(_tame(y) / effect[None, :t], season_length)
    if seasonal:
        # Positions count back from the forecast origin, so any history ending there lines up.
        effect = effect * np.array(seasonal)[(np.arange(t + horizon) - t) % len(seasonal)]
    adjusted = _tame(y) / effect[None, :t]
    return _Prepared(y=y, unit=unit, exposure_ratio=ratio, effect=effect, buckets=_bucket(adjusted, unit))


def _point_totals(data: _Prepared, model: PooledModel) -> FloatArray:
    """Expected demand per unit of exposure over the horizon, before the district-wide trend."""
    b = data.buckets
    if model.method == "pooled_glm":
        features = _features(b, b.shape[1], model.age_cap)
        totals = np.exp(np.clip(_design(features) @ np.array(model.theta), -30, 12))
    else:
        totals = _pooled_rate(b, model.prior_rate) * model.horizon / data.unit
    return np.where(np.isnan(data.y).all(axis=1), 0.0, totals)


def fit(
    history: Any, *, horizon: int, season_length: int = 1, exposure: Any = None, covariates: Any = None
) -> PooledModel:
    """Learn the pooled model from every part's history (same arguments as ``forecast``)."""
    y = np.array(history, dtype=float, ndmin=2)
    calendar = _calendar_coefficients(_tame(y), _covariate_matrix(covariates, y.shape[-1], horizon))
    data = _prepare(y, horizon, season_length, exposure, covariates, calendar, ())
    seasonal = _seasonal_index(_tame(y) / data.effect[None, : y.shape[-1]], season_length) if y.size else ()
    data = _prepare(y, horizon, season_length, exposure, covariates, calendar, seasonal)
    b, unit = data.buckets, data.unit
    horizon_buckets = max(1, math.ceil(horizon / unit))
    fitted = _fit_pooled(b, horizon_buckets, horizon / unit)
    if fitted is not None:
        model = PooledModel(
            method="pooled_glm",
            theta=tuple(float(v) for v in fitted.theta),
            age_cap=fitted.age_cap,
            variance=(fitted.variance.a, fitted.variance.b, fitted.variance.c),
            total_dispersion=fitted.variance.k,
            level_map=fitted.level_map,
            level_sizes=fitted.level_sizes,
            level_maps=fitted.level_maps,
            trend=1.0,
            prior_rate=0.0,
            horizon=horizon,
            season_length=season_length,
            calendar=calendar,
            seasonal=seasonal,
        )
    else:
        model = PooledModel(
            method="pooled_rate",
            theta=(),
            age_cap=0,
            variance=FALLBACK_VARIANCE_TERMS,
            level_map=(),
            trend=1.0,
            prior_rate=_prior_rate(b),
            horizon=horizon,
            season_length=season_length,
            calendar=calendar,
            seasonal=seasonal,
        )
    if fitted is not None:
        shape = _fit_period_shape(_tame(y), data.effect[: y.shape[-1]], b, fitted, unit, horizon / unit)
        model = dataclasses.replace(model, period_dispersion=shape[0], period_spread=shape[1])
    totals = _point_totals(data, model)
    year = max(12, round(season_length / unit))  # 13 four-week buckets of weekly data
    return dataclasses.replace(model, trend=_aggregate_trend(b, horizon / unit, totals, year))


def forecast(
    history: Any,
    *,
    horizon: int,
    season_length: int = 1,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    exposure: Any = None,
    covariates: Any = None,
    model: PooledModel | None = None,
) -> ForecastResult:
    """Forecast every part's demand for ``horizon`` periods after its history.

    ``exposure`` (parts, periods + horizon): what demand scales with, known or planned for the
    forecast periods too; ``covariates`` (periods + horizon, k): calendar features shared by all
    parts. Both optional. ``model``: one already fitted (on these parts or more of them);
    without it the model is fitted on ``history`` itself.
    """
    levels = tuple(float(q) for q in quantiles)
    if any(not 0 < q < 1 for q in levels):
        raise ValueError("quantile levels must lie strictly between 0 and 1")
    if model is not None and (model.horizon, model.season_length) != (horizon, season_length):
        raise ValueError("the model was fitted for another horizon or season length")
    data = _prepare(
        history,
        horizon,
        season_length,
        exposure,
        covariates,
        model.calendar if model else None,
        model.seasonal if model else None,
    )
    n, t = data.y.shape
    if n == 0:
        empty, nothing = np.zeros((0, horizon)), np.zeros(0)
        return ForecastResult(empty, np.zeros((0, horizon, len(levels))), levels, (), nothing, nothing)
    if model is None:
        model = fit(
            history, horizon=horizon, season_length=season_length, exposure=exposure, covariates=covariates
        )

    totals = _point_totals(data, model) * model.trend * data.exposure_ratio
    # The model forecasts calendar-adjusted demand; each period gets its calendar effect back.
    ahead = data.effect[t:]
    mean = totals[:, None] / horizon * ahead[None, :]
    a, b, c = model.variance
    # A period: the part's dispersion per unit of demand and its spread per unit squared, scaled
    # as backtests chose (``_fit_period_shape``), plus the model's level uncertainty.
    tamed = _tame(data.y)
    dispersion = _period_dispersion(tamed, data.effect[:t])
    spread = _period_spread(tamed / data.effect[None, :t], data.unit)
    period_variance = mean * (1 + model.period_dispersion * dispersion[:, None]) + (
        model.period_spread * spread[:, None] * mean**2
    )
    per_period = nbinom_quantiles(mean.ravel(), (period_variance + c * mean**2).ravel(), np.asarray(levels))
    return ForecastResult(
        mean=mean,
        quantiles=per_period.reshape(n, horizon, len(levels)),
        levels=levels,
        method=(model.method,) * n,
        c1=a + model.total_dispersion * _period_dispersion(data.buckets, np.ones(data.buckets.shape[1])),
        c2=c + b * _spread(data.buckets, data.buckets.shape[1]),
        level_map=model.level_map,
        period_variance=period_variance,
        level_uncertainty=np.full(n, c),
        part_levels=_part_levels(totals, model),
    )


# Features and the pooled model ----------------------------------------------------------------


def _bucket(y: FloatArray, unit: int) -> FloatArray:
    """Sum periods into buckets of ``unit`` aligned to the end; a bucket with no data is NaN."""
    if unit == 1:
        return y
    n, t = y.shape
    whole = t // unit
    tail = y[:, t - whole * unit :].reshape(n, whole, unit)
    observed = ~np.isnan(tail)
    sums = np.nansum(tail, axis=2) * unit / np.maximum(observed.sum(axis=2), 1)
    return np.where(observed.any(axis=2), sums, np.nan)


def _features(b: FloatArray, origin: int, age_cap: int) -> FloatArray:
    """Per-part features of the buckets before ``origin``, shape (parts, FEATURES).

    Age is capped at ``age_cap``, the oldest age the training origins can show, so the model
    never extrapolates in age. A part with demand in the first bucket of the data was selling
    before the data began: its age is unknown (at least ``origin``, which grows with the origin)
    and it reads as ``age_cap`` at every origin, so an old part looks the same to the model
    whichever origin it is seen from, rather than younger at the early origins the model
    trains on than at the origin it forecasts from. A part first seen later (NaN before: it did
    not exist yet) has the age its history shows.
    """
    h = b[:, :origin]
    seen = ~np.isnan(h)
    z = np.nan_to_num(h)
    demand = z > 0

    observed = np.maximum(seen.sum(axis=1), 1)
    whole_rate = z.sum(axis=1) * 12 / observed

    def recent_rate(width: int, wider: FloatArray) -> FloatArray:
        """The rate over the last ``width`` buckets; ``wider``'s where none of them is observed."""
        w = min(width, origin)
        count = seen[:, -w:].sum(axis=1)
        return np.where(count > 0, z[:, -w:].sum(axis=1) * 12 / np.maximum(count, 1), wider)

    rate12 = recent_rate(12, whole_rate)
    rate6 = recent_rate(6, rate12)

    any_demand = demand.any(axis=1)
    # Observed buckets since the last demand, or ever: a bucket without data is not one without demand.
    last_demand = np.where(any_demand, origin - 1 - np.argmax(demand[:, ::-1], axis=1), -1)
    since = (seen & (np.arange(origin)[None, :] > last_demand[:, None])).sum(axis=1)
    first_seen = np.where(seen.any(axis=1), np.argmax(seen, axis=1), origin)
    first_demand = np.where(any_demand, np.argmax(demand, axis=1), origin)
    age = np.where(any_demand & (first_demand == 0), age_cap, origin - np.maximum(first_demand, first_seen))
    last12 = min(12, origin)
    seen12 = np.maximum(seen[:, origin - last12 : origin].sum(axis=1), 1)
    return np.stack(
        [
            2 * np.log1p(rate12),
            np.log1p(recent_rate(3, rate6) / 4),
            np.log1p(rate6 / 2),
            np.log1p(np.minimum(since, min(24, age_cap))),
            2 * np.log1p(np.minimum(age, age_cap)),
            np.log1p(whole_rate),
            demand[:, origin - last12 : origin].sum(axis=1) / seen12 * 3,
            np.log1p(z[:, -last12:].max(axis=1, initial=0.0)),
            np.log1p(_smoothed_level(h) * 12),
        ],
        axis=1,
    )


#: Weight of the newest bucket in a part's exponentially smoothed level.
SMOOTHED_WEIGHT = 0.1


def _smoothed_level(h: FloatArray) -> FloatArray:
    """Each part's simple exponential smoothing of its observed buckets, starting from the first.

    A level between the window rates and the whole history's: no cut-off, so a slow part's level
    does not jump when one demand leaves a window. A missing bucket leaves the level as it is.
    """
    level = np.zeros(len(h))
    started = np.zeros(len(h), dtype=bool)
    for column in h.T:
        seen = ~np.isnan(column)
        value = np.where(seen, column, 0.0)
        smoothed = SMOOTHED_WEIGHT * value + (1 - SMOOTHED_WEIGHT) * level
        level = np.where(seen, np.where(started, smoothed, value), level)
        started |= seen
    return level


#: Features per part (``_features``) and columns of the regression on them (``_design``).
FEATURES = 9
DESIGN_WIDTH = 1 + 2 * FEATURES + 3


def _design(features: FloatArray) -> FloatArray:
    """Intercept, features, their squares and three interactions."""
    f = features
    n = len(f)
    return np.concatenate(
        [
            np.ones((n, 1)),
            f,
            f**2,
            np.stack([f[:, 0] * f[:, 4], f[:, 0] * f[:, 3], f[:, 0] * f[:, 6]], axis=1),
        ],
        axis=1,
    )


@dataclass(frozen=True)
class Variance:
    """Variance of a window total: a·μ + (c + b·spread)·μ², spread = a part's own relative spread."""

    a: float
    b: float
    c: float
    #: Scale of a part's own dispersion per unit of demand (its batch sizes) in the μ term.
    k: float = 0.0

    def of(self, mu: FloatArray, spread: FloatArray, dispersion: FloatArray | float = 0.0) -> FloatArray:
        return (self.a + self.k * dispersion) * mu + (self.c + self.b * spread) * mu**2


FALLBACK_VARIANCE = Variance(*FALLBACK_VARIANCE_TERMS)


@dataclass(frozen=True)
class Fitted:
    theta: FloatArray
    age_cap: int
    variance: Variance
    level_map: tuple[tuple[float, float], ...]
    level_sizes: tuple[float, ...] = ()
    level_maps: tuple[tuple[float, ...], ...] = ()


#: Cap on a part's own relative spread, so one freak bucket cannot blow its distribution up.
MAX_SPREAD = 4.0
#: Buckets a part's own spread is read over, for window totals.
SPREAD_WINDOW = 24


def _spread(b: FloatArray, origin: int) -> FloatArray:
    """A part's squared coefficient of variation beyond Poisson over its last 24 buckets.

    (variance - mean) / mean² of the buckets before ``origin``: 0 for Poisson-like demand, larger
    for demand that comes in bursts; scale-free, so large and small parts compare.
    """
    mean, var = _observed_moments(b[:, max(0, origin - SPREAD_WINDOW) : origin])
    spread = np.divide(var - mean, mean**2, out=np.zeros(len(b)), where=mean > 0)
    return np.clip(spread, 0.0, MAX_SPREAD)


def _observed_moments(h: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of each row over its observed cells (0 for a row with none)."""
    seen = ~np.isnan(h)
    count = np.maximum(seen.sum(axis=1), 1)
    z = np.where(seen, h, 0.0)
    mean = z.sum(axis=1) / count
    var = (np.where(seen, z - mean[:, None], 0.0) ** 2).sum(axis=1) / count
    return mean, var


#: Periods either side whose observed demand stands in for a missing one.
FILL_REACH = 12


def _filled(y: FloatArray) -> FloatArray:
    """``y`` with each missing cell read as its part's observed average nearby, not as zero.

    Nearby: within FILL_REACH periods either side; a part observed nowhere near gets its whole
    history's average, and a part never observed stays at zero.
    """
    seen = ~np.isnan(y)
    if seen.all():
        return y
    z = np.where(seen, y, 0.0)
    n, t = y.shape
    sums = np.concatenate([np.zeros((n, 1)), np.cumsum(z, axis=1)], axis=1)
    counts = np.concatenate([np.zeros((n, 1)), np.cumsum(seen, axis=1)], axis=1)
    lo = np.clip(np.arange(t) - FILL_REACH, 0, t)
    hi = np.clip(np.arange(t) + FILL_REACH + 1, 0, t)
    near_sum, near_count = sums[:, hi] - sums[:, lo], counts[:, hi] - counts[:, lo]
    overall = sums[:, -1] / np.maximum(counts[:, -1], 1)
    local = np.where(near_count > 0, near_sum / np.maximum(near_count, 1), overall[:, None])
    return np.where(seen, y, local)


def _fit_pooled(b: FloatArray, horizon_buckets: int, horizon_in_buckets: float) -> Fitted | None:
    """Fit the pooled regression on rolling origins; None when the history is too short.

    A short history (too short for three origins with MIN_HISTORY_BUCKETS behind them and a whole
    horizon ahead) trains on shorter windows instead: origins from MIN_SHORT_HISTORY buckets on,
    each followed by as long a window as leaves three origins, scaled up to the horizon. So an
    18- or 24-month history gets the model, fitted on what it has, rather than a pooled rate.

    Either way the origins run on past the last whole window for half a window (``_fit_origins``
    reads the part of a window the history holds, as it reads a window with missing buckets).
    """
    last_origin = b.shape[1] - horizon_buckets
    first_origin = max(MIN_HISTORY_BUCKETS, last_origin - MAX_ORIGINS + 1)
    if last_origin - first_origin + 1 >= 3:
        origins = range(first_origin, last_origin + 1 + horizon_buckets // 2)
        return _fit_origins(b, origins, horizon_buckets, horizon_in_buckets)
    window = min(horizon_buckets, b.shape[1] - MIN_SHORT_HISTORY - 2)
    if window < MIN_SHORT_WINDOW:
        return None
    origins = range(MIN_SHORT_HISTORY, b.shape[1] - window + 1 + window // 2)
    return _fit_origins(b, origins, window, horizon_in_buckets)


#: A short history trains on origins with at least this many buckets behind them...
MIN_SHORT_HISTORY = 6
#: ... and windows of at least this many buckets ahead.
MIN_SHORT_WINDOW = 6


def _fit_origins(
    b: FloatArray, origins: range, horizon_buckets: int, horizon_in_buckets: float
) -> Fitted | None:
    """The pooled regression on the given origins, each followed by ``horizon_buckets`` buckets
    whose total is scaled to ``horizon_in_buckets``.

    A window needs half its buckets observed, and is scaled up to the whole; a window running past
    the history's end counts the buckets beyond it as missing, so the latest origins train the
    point model on the first half or more of their window. They weigh as the last whole window's
    origin does, times the share observed: recency counts up to the last whole window, so a few
    scaled-up half windows do not outweigh the whole ones (weighed as more recent still, one slow
    part's outlier month moved another part's forecast by up to 3.1% among 200, against 1.6%
    without these origins and 2.5% with). The spread and the fill levels are read on whole windows
    only, from a model fitted on them alone: a window's first half scaled up carries errors a whole
    window's total does not.
    """
    last_origin = origins[-1]
    last_whole = min(last_origin, b.shape[1] - horizon_buckets)
    xs, ys, ws, lumps, launched, batches, wholes = [], [], [], [], [], [], []
    factor = horizon_in_buckets / horizon_buckets
    for origin in origins:
        target = b[:, origin : origin + horizon_buckets]
        observed = (~np.isnan(target)).sum(axis=1)
        ok = (2 * observed >= horizon_buckets) & ~np.isnan(b[:, :origin]).all(axis=1)
        if not ok.any():
            continue
        share = observed[ok] / horizon_buckets
        xs.append(_design(_features(b, origin, last_origin)[ok]))
        lumps.append(_spread(b, origin)[ok])
        batches.append(_period_dispersion(b[ok, :origin], np.ones(origin)))
        ys.append(np.nansum(target[ok], axis=1) / share * factor)
        ws.append(share * 0.5 ** (max(0, last_whole - origin) / ORIGIN_HALF_LIFE))
        launched.append(np.nansum(b[ok, :origin], axis=1) > 0)
        wholes.append(np.full(int(ok.sum()), origin + horizon_buckets <= b.shape[1]))
    if len(xs) < 3:
        return None
    x, yy, w, lump = np.concatenate(xs), np.concatenate(ys), np.concatenate(ws), np.concatenate(lumps)
    batch = np.concatenate(batches)
    if yy.sum() <= 0:
        return None
    theta = _poisson_irls(x, yy, w)
    whole = np.concatenate(wholes)
    on_whole = theta if whole.all() or not whole.any() else _poisson_irls(x[whole], yy[whole], w[whole])
    fitted = np.exp(np.clip(x @ on_whole, -30, 12))
    # Spreads and fill levels are read on parts with demand before their origin: a part yet to be
    # launched there is a surprise no interval of a part with history should be widened for.
    sold = np.concatenate(launched) & whole
    if sold.sum() < MIN_CLASS_SAMPLES:
        sold = whole if whole.any() else np.ones(len(whole), dtype=bool)
    fitted, lump, yy, w, batch = fitted[sold], lump[sold], yy[sold], w[sold], batch[sold]
    # A short window scaled up to the horizon carries ``factor`` times the counting noise of the
    # horizon's own total (and of its batches): fit on the windows as scaled, keep the horizon's.
    variance = _variance_function(fitted, lump, batch, yy, w, factor)
    variance = dataclasses.replace(variance, k=variance.k / factor)
    window_mu, window_y = fitted / factor, yy / factor
    spread_variance = variance.of(window_mu, lump, batch)
    level_map = _calibrate_levels(window_mu, spread_variance, window_y, w)
    sizes, maps = _calibrate_by_size(window_mu, spread_variance, window_y, w, level_map)
    return Fitted(theta, last_origin, variance, level_map, tuple(v * factor for v in sizes), maps)


def _poisson_irls(x: FloatArray, y: FloatArray, w: FloatArray, iterations: int = 100) -> FloatArray:
    """Weighted Poisson regression with a log link and a light ridge, by iteratively reweighted LS."""
    theta = np.zeros(x.shape[1])
    theta[0] = math.log(max(float(np.average(y, weights=w)), 1e-6))
    ridge = RIDGE * np.eye(x.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(iterations):
        eta = np.clip(x @ theta, -30, 12)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        weights = w * mu
        new = np.linalg.solve(
            x.T @ (x * weights[:, None]) + ridge * weights.sum() / len(y), x.T @ (weights * z)
        )
        if np.max(np.abs(new - theta)) < 1e-8:
            return new
        theta = new
    return theta


def _variance_function(
    mu: FloatArray,
    spread: FloatArray,
    dispersion: FloatArray,
    y: FloatArray,
    w: FloatArray,
    counting: float = 1.0,
) -> Variance:
    """Variance of a window total, μ + k·dispersion·μ + (c + b·spread)·μ²: Poisson counting noise,
    a part's own batches (``dispersion``, variance beyond Poisson per unit of demand) and the
    uncertainty of its level, fitted to the squared errors beyond the counting noise (``counting``
    per unit of demand: a window scaled up by a factor carries that factor) by least squares
    weighted for their variance. A term whose scale comes out negative is dropped and the others
    refitted.

    The μ term is the part's own, not one pooled figure: pooled, it took up level errors too and
    spread a slow part's few units as wide as a batchy part's (a variance 38 times the mean).
    """
    excess = (y - mu) ** 2 - counting * mu
    x = np.stack([mu * dispersion, mu**2 * spread, mu**2], axis=1)
    sw = np.sqrt(w) / np.maximum(mu, 0.1)
    keep = np.ones(x.shape[1], dtype=bool)
    coef = np.zeros(x.shape[1])
    while keep.any():
        coef[:] = 0.0
        coef[keep] = np.linalg.lstsq(x[:, keep] * sw[:, None], excess * sw, rcond=None)[0]
        if (coef >= 0).all():
            break
        keep &= coef > 0
    k, b, c = (float(v) for v in coef)
    return Variance(a=1.0, b=b, c=max(c, 0.005), k=k)


#: Levels the fill is read at when calibrating: fine enough that the level a target needs is read
#: between two neighbours, not rounded up to the next coarse step (which over-fills).
CALIBRATION_GRID = np.concatenate([np.arange(0.01, 0.985, 0.01), [0.99, 0.995, 0.999]])


def _calibrate_levels(
    mu: FloatArray, variance: FloatArray, y: FloatArray, w: FloatArray, shift: float = 0.0
) -> tuple[tuple[float, float], ...]:
    """Map each nominal level to the level whose quantiles filled that share of demand in backtests.

    The fill is read at every level of CALIBRATION_GRID and the level for a target interpolated
    between the two around it.
    """
    grid = CALIBRATION_GRID
    q = nbinom_quantiles(mu, variance, grid)
    demand = (w * y).sum()
    if demand <= 0:
        return ()
    fill = (w[:, None] * np.minimum(y[:, None], q)).sum(axis=0) / demand
    fill = np.maximum.accumulate(fill)
    pairs = []
    for nominal in np.concatenate([np.arange(0.05, 0.96, 0.05), [0.975, 0.99]]):
        target = nominal + shift
        index = int(np.searchsorted(fill, target))
        if index >= len(grid):
            level = float(grid[-1])
        elif index == 0 or fill[index] <= fill[index - 1]:
            level = float(grid[index])
        else:
            between = (target - fill[index - 1]) / (fill[index] - fill[index - 1])
            level = float(grid[index - 1] + between * (grid[index] - grid[index - 1]))
        pairs.append((float(nominal), level))
    return tuple(pairs)


#: Size classes the fill is calibrated in, and the fewest backtest samples one may hold.
SIZE_CLASSES = 4
MIN_CLASS_SAMPLES = 300
#: How far below and above its target a size class may fill before it gets levels of its own.
CLASS_TOLERANCE = (0.03, 0.05)


def _calibrate_by_size(
    mu: FloatArray,
    variance: FloatArray,
    y: FloatArray,
    w: FloatArray,
    pooled: tuple[tuple[float, float], ...],
) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]:
    """Level maps per size class (quantiles of the forecast total), so slow parts fill their
    target as fast ones do instead of the volume-weighted pool speaking for them all.

    A class keeps the pooled level as long as that fills within CLASS_TOLERANCE of the target in
    the class, and moves only as far as it takes to come within it: each class is calibrated,
    while the stock stays where the whole set fills its target most cheaply.
    """
    classes = min(SIZE_CLASSES, len(mu) // MIN_CLASS_SAMPLES)
    if classes < 2 or not pooled:
        return (), ()
    edges = np.quantile(mu, np.linspace(0, 1, classes + 1))
    which = np.clip(np.searchsorted(edges, mu, side="right") - 1, 0, classes - 1)
    sizes, maps = [], []
    for k in range(classes):
        rows = which == k
        if not rows.any():  # tied forecast totals can leave a class empty
            continue
        weights = w[rows] if w[rows].sum() > 0 else None
        args = (mu[rows], variance[rows], y[rows], w[rows])
        low = _calibrate_levels(*args, shift=-CLASS_TOLERANCE[0]) or pooled
        high = _calibrate_levels(*args, shift=CLASS_TOLERANCE[1]) or pooled
        sizes.append(float(np.exp(np.average(np.log(np.maximum(mu[rows], 1e-9)), weights=weights))))
        maps.append(
            tuple(float(np.clip(p[1], lo[1], hi[1])) for p, lo, hi in zip(pooled, low, high, strict=True))
        )
    if len(sizes) < 2:
        return (), ()
    return tuple(sizes), tuple(maps)


def _part_levels(totals: FloatArray, model: PooledModel) -> FloatArray | None:
    """Each part's mapped levels, read between the size classes around its forecast total."""
    if not model.level_sizes:
        return None
    sizes = np.log(np.array(model.level_sizes))
    maps = np.array(model.level_maps)  # (classes, levels)
    x = np.log(np.maximum(totals, 1e-9))
    return np.stack([np.interp(x, sizes, maps[:, j]) for j in range(maps.shape[1])], axis=1)


def _map_levels(tau: float, nominal: FloatArray, part_levels: FloatArray) -> FloatArray:
    """``_map_level`` for every part at once, each with its own mapped levels."""
    j = int(np.clip(np.searchsorted(nominal, tau) - 1, 0, len(nominal) - 2))
    frac = float(np.clip((tau - nominal[j]) / (nominal[j + 1] - nominal[j]), 0.0, 1.0))
    if tau < nominal[0]:
        frac = 0.0
    mapped = part_levels[:, j] + frac * (part_levels[:, j + 1] - part_levels[:, j])
    return np.clip(mapped, 0.001, 0.999)


def _map_level(tau: float, level_map: tuple[tuple[float, float], ...]) -> float:
    if not level_map:
        return tau
    nominal = [p[0] for p in level_map]
    actual = [p[1] for p in level_map]
    return float(np.clip(np.interp(tau, nominal, actual), 0.001, 0.999))


#: Share of a district-wide growth carried forward (a decline is carried forward whole): new parts
#: ramp up and level off, so growth read off the last two seasons does not go on compounding.
GROWTH_DAMPING = 0.5


def _aggregate_trend(b: FloatArray, horizon_in_buckets: float, totals: FloatArray, width: int = 12) -> float:
    """Factor that makes the parts' forecasts add up to the trend of all parts' demand together.

    Per-part models learn how parts behave relative to one another; whether demand as a whole
    is growing or shrinking is read off the total: a log-linear trend through the rolling
    totals over ``width`` buckets (a whole year: 12 months, or 13 four-week buckets of weekly data,
    so no season leaks into the trend) of the last TREND_SEASONS years, carried forward to the
    middle of the horizon, growth damped by GROWTH_DAMPING. Without a year and a half of history,
    or when it cannot be read, the factor leaves the forecasts as they are.
    """
    total = _filled(b).sum(axis=0)
    if len(total) < width + width // 2 or totals.sum() <= 0:
        return 1.0
    rolling = np.convolve(total, np.ones(width), mode="valid")
    recent = rolling[-(TREND_SEASONS * width) :]
    if np.any(recent <= 0):
        return 1.0
    slope = float(np.polyfit(np.arange(len(recent)), np.log(recent), 1)[0])
    if slope > 0:  # growth comes from parts still ramping up, and they level off
        slope *= GROWTH_DAMPING
    ahead = (width + horizon_in_buckets) / 2
    level = recent[-1] / width * horizon_in_buckets * math.exp(slope * ahead)
    return float(level / totals.sum())


def _prior_rate(b: FloatArray) -> float:
    """The average part's demand per bucket over the last 12 buckets."""
    window = b[:, -12:]
    seen = (~np.isnan(window)).sum(axis=1)
    active = seen > 0
    if not active.any():
        return 0.0
    return float((np.nansum(window, axis=1)[active] / seen[active]).mean())


def _pooled_rate(b: FloatArray, prior: float) -> FloatArray:
    """Recent rate per bucket shrunk towards the average part (gamma-Poisson empirical Bayes)."""
    window = b[:, -12:]
    seen = (~np.isnan(window)).sum(axis=1)
    total = np.nansum(window, axis=1)
    strength = 3.0
    return (strength * prior + total) / (strength + seen)


def _period_dispersion(y: FloatArray, effect: FloatArray) -> FloatArray:
    """Each part's variance beyond Poisson per unit of demand in one period, over its observed
    history (0 = Poisson): Σ((y - m)² - m) / Σm, ``m`` the part's level times each period's
    calendar and seasonal ``effect``, so a quiet summer does not read as a burst.

    Per unit of demand, so it carries over to a forecast whose level differs from the history's
    (batch sizes do not change when a part sells more often).
    """
    seen = ~np.isnan(y)
    z = np.where(seen, y, 0.0)
    e = np.where(seen, effect[None, :], 0.0)
    exposure = e.sum(axis=1)
    level = np.divide(z.sum(axis=1), exposure, out=np.zeros(len(y)), where=exposure > 0)
    m = level[:, None] * e
    excess = np.where(seen, (z - m) ** 2 - m, 0.0).sum(axis=1)
    expected = m.sum(axis=1)
    return np.clip(np.divide(excess, expected, out=np.zeros(len(y)), where=expected > 0), 0.0, None)


#: Scales of a part's own dispersion and spread a backtest tries for single periods ((0, 0): Poisson).
DISPERSION_SCALES = (0.0, 0.25, 0.5, 1.0, 2.0)
SPREAD_SCALES = (0.0, 0.5, 1.0)
#: At most this many parts (evenly spread) choose the scales, on three training origins (the
#: first, the middle and the last).
DISPERSION_PARTS = 2000
#: Buckets a part's spread per period is read over.
PERIOD_SPREAD_WINDOW = 24


def _period_spread(adjusted: FloatArray, unit: int) -> FloatArray:
    """Each part's (variance - mean) / mean² per period over the last two seasons (0 = Poisson)."""
    mean, var = _observed_moments(adjusted[:, -PERIOD_SPREAD_WINDOW * unit :])
    spread = np.divide(var - mean, mean**2, out=np.zeros(len(adjusted)), where=mean > 0)
    return np.clip(spread, 0.0, 10 * MAX_SPREAD)


def _fit_period_shape(
    y: FloatArray, effect: FloatArray, b: FloatArray, fitted: Fitted, unit: int, horizon_in_buckets: float
) -> tuple[float, float]:
    """The scales of ``_period_dispersion`` (variance per unit of demand: batch sizes) and of
    ``_period_spread`` (per unit squared: the level moving from period to period) whose
    per-period quantiles scored the lowest pinball loss over three training origins (the loss WQL
    averages), as the forecast would have given them: each part's forecast total spread
    over its periods by their effect, with the model's level uncertainty.

    ``y``: the history in counts (outliers tamed); ``effect``: each history period's calendar and
    seasonal effect.
    """
    n_buckets, t = b.shape[1], y.shape[1]
    last = fitted.age_cap
    window = n_buckets - last  # the last training origin's window ends with the history
    levels = np.array(DEFAULT_QUANTILES)
    theta = np.array(fitted.theta)
    rows = np.unique(np.linspace(0, len(y) - 1, min(len(y), DISPERSION_PARTS)).astype(np.int64))
    pairs = [(d, s) for d in DISPERSION_SCALES for s in SPREAD_SCALES]
    loss = np.zeros(len(pairs))
    origins = range(max(1, last - MAX_ORIGINS + 1), last + 1)
    for origin in sorted({origins[0], origins[len(origins) // 2], origins[-1]}):
        start = t - (n_buckets - origin) * unit
        stop = start + window * unit
        history, ahead = y[rows, :start], y[rows, start:stop]
        live = (np.nansum(history, axis=1) > 0) & (~np.isnan(ahead)).any(axis=1)
        if not live.any():
            continue
        total = np.exp(np.clip(_design(_features(b[rows], origin, last)[live]) @ theta, -30, 12))
        # Periods whose effects lie within 10% of one another share one distribution, so a
        # weekly window costs a table per effect level rather than per week.
        step = np.round(np.log(np.maximum(effect[start:stop], 1e-3)) / 0.1)
        steps, period_step = np.unique(step, return_inverse=True)
        mean = total[:, None] / (horizon_in_buckets * unit) * np.exp(steps * 0.1)[None, :]
        dispersion = _period_dispersion(history[live], effect[:start])[:, None]
        spread = _period_spread(history[live] / effect[None, :start], unit)[:, None]
        observed = ahead[live][:, :, None]
        for k, (d_scale, s_scale) in enumerate(pairs):
            variance = mean * (1 + d_scale * dispersion) + (fitted.variance.c + s_scale * spread) * mean**2
            q = nbinom_quantiles(mean.ravel(), variance.ravel(), levels).reshape(*mean.shape, len(levels))
            q = q[:, period_step, :]
            loss[k] += np.nansum(np.maximum(levels * (observed - q), (levels - 1) * (observed - q)))
    if not loss.any():
        return 0.0, 1.0
    return pairs[int(np.argmin(loss))]


#: A period more than this many times a part's second largest (and at least this many units) is
#: an outlier: read as missing, so one freak month cannot make its part, or through the pooled fit
#: every other part, look busier than the history does.
OUTLIER_FACTOR = 10.0


def _tame(y: FloatArray) -> FloatArray:
    """``y`` with each part's single largest period set missing when it is an outlier."""
    t = y.shape[1]
    if t < 2:
        return y
    z = np.where(np.isnan(y), -1.0, y)
    top_two = np.partition(z, t - 2, axis=1)[:, -2:]
    cap = OUTLIER_FACTOR * np.maximum(top_two[:, 0], 1.0)
    return np.where(z > cap[:, None], np.nan, y)


# Exposure and calendar ------------------------------------------------------------------------


#: However much exposure seems to grow, demand is not forecast to grow more than this from it.
MAX_EXPOSURE_RATIO = 1.5


def _exposure_ratio(exposure: Any, n: int, t: int, horizon: int, *, recent: int) -> FloatArray:
    """Mean exposure over the horizon relative to the last season's, per part (1 without exposure).

    Only the change ahead is used, not the history's ups and downs, so a count that was patchy
    years ago cannot distort the forecast: a part whose devices all retire goes to zero, one whose
    installed base halves is halved. Growth is capped at MAX_EXPOSURE_RATIO.
    """
    if exposure is None:
        return np.ones(n)
    e = np.array(exposure, dtype=float, ndmin=2)
    if e.shape != (n, t + horizon):
        raise ValueError(f"exposure must have shape {(n, t + horizon)}, not {e.shape}")
    e = np.nan_to_num(np.maximum(e, 0.0))
    past = e[:, max(0, t - recent) : t].mean(axis=1)
    future = e[:, t:].mean(axis=1)
    ratio = np.divide(future, past, out=np.ones(n), where=past > 0)
    return np.clip(ratio, 0.0, MAX_EXPOSURE_RATIO)


def _seasonal_index(y: FloatArray, season_length: int) -> tuple[float, ...]:
    """Pooled multiplicative seasonal index by position in the season, counted from the forecast
    origin (empty when there is none).

    From all parts' total demand, once it covers two seasons: each period against a centred
    moving average over a season, averaged by position in the season, smoothed over neighbouring
    positions and shrunk towards 1 by the number of seasons seen (SEASON_PRIOR), so a single odd
    year counts little.
    """
    t = y.shape[1]
    if season_length < 2 or t < 2 * season_length + 1:
        return ()
    total = _filled(y).sum(axis=0)
    kernel = np.ones(season_length + 1)
    kernel[[0, -1]] = 0.5
    trend = np.convolve(total, kernel / season_length, mode="valid")
    half = season_length // 2
    ratio = np.full(t, np.nan)
    middle = total[half : half + len(trend)]
    ratio[half : half + len(trend)] = np.divide(
        middle, trend, out=np.full(len(trend), np.nan), where=trend > 0
    )
    position = (np.arange(t) - t) % season_length
    raw = np.ones(season_length)
    for p in range(season_length):
        values = ratio[(position == p) & np.isfinite(ratio)]
        if len(values):
            raw[p] = values.mean()
    width = max(1, round(season_length / 26))  # weekly: neighbours either side; monthly: none
    padded = np.concatenate([raw[-width:], raw, raw[:width]])
    smooth = np.convolve(padded, np.ones(2 * width + 1) / (2 * width + 1), mode="valid")
    seasons = (t - season_length) / season_length
    index = 1 + (smooth / smooth.mean() - 1) * seasons / (seasons + SEASON_PRIOR)
    return tuple(float(v) for v in index)


def _covariate_matrix(covariates: Any, t: int, horizon: int) -> FloatArray | None:
    if covariates is None:
        return None
    c = np.array(covariates, dtype=float)
    if c.ndim == 1:
        c = c[:, None]
    if c.shape[0] != t + horizon:
        raise ValueError(f"covariates must have {t + horizon} rows, not {c.shape[0]}")
    return np.nan_to_num(c)


def _calendar_coefficients(y: FloatArray, c: FloatArray | None) -> tuple[float, ...]:
    """Effect of the covariates on all parts' demand together (log scale); empty without them.

    A Poisson regression of the total per period on a level, a linear trend and the covariates.
    """
    if c is None:
        return ()
    t = y.shape[1]
    total = _filled(y).sum(axis=0)
    seen = ~np.isnan(y).all(axis=0)
    x = np.concatenate([np.ones((t, 1)), np.linspace(-1, 0, t)[:, None], c[:t]], axis=1)[seen]
    if x.shape[0] < x.shape[1] + 2 or total[seen].sum() <= 0:
        return ()
    theta = _poisson_irls(x, total[seen], np.ones(len(x)))
    return tuple(float(v) for v in theta[2:])


# Negative binomial quantiles without SciPy ----------------------------------------------------


def nbinom_quantiles(mean: Any, variance: Any, taus: Any) -> FloatArray:
    """Quantiles of count distributions with the given means and variances, shape (len(mean), len(taus)).

    Negative binomial when the variance exceeds the mean, Poisson otherwise; a normal
    approximation (rounded up) above a mean of NORMAL_ABOVE. ``taus`` is one list of levels for
    every part, or one row of levels per part (shape (len(mean), k)).
    """
    mean = np.maximum(np.asarray(mean, dtype=float).ravel(), 0.0)
    variance = np.maximum(np.broadcast_to(np.asarray(variance, dtype=float), mean.shape).ravel(), mean)
    taus = np.asarray(taus, dtype=float)
    levels = taus if taus.ndim == 2 else np.broadcast_to(taus.ravel(), (mean.size, taus.size))
    out = np.zeros(levels.shape)
    large = mean > NORMAL_ABOVE
    if large.any():
        z = _normal_ppf_array(levels[large])
        out[large] = np.maximum(np.ceil(mean[large, None] + z * np.sqrt(variance[large, None]) - 0.5), 0)
    small = (mean > 0) & ~large
    if small.any():
        out[small] = _small_nbinom_quantiles(mean[small], variance[small], levels[small])
    return out


#: Cells of probability table worked on at once: memory grows with the number of parts, not with
#: the range of the lumpiest part.
TABLE_CELLS = 1 << 21


def _small_nbinom_quantiles(m: FloatArray, v: FloatArray, taus: FloatArray) -> FloatArray:
    """Exact quantiles from the probability mass function, summed by recursion.

    Parts are taken in order of how wide a table they need, a block at a time, so one lumpy part
    widens only its own block's table.
    """
    width = np.ceil(m + 12 * np.sqrt(v) + 12).astype(np.int64)
    order = np.argsort(width, kind="stable")
    wide = width[order]
    out = np.empty(taus.shape)
    start = 0
    while start < len(m):
        # The block grows while its rows times its widest table fit in TABLE_CELLS.
        cells = (np.arange(1, len(m) - start + 1)) * wide[start:]
        stop = start + max(1, int(np.searchsorted(cells, TABLE_CELLS, side="right")))
        rows = order[start:stop]
        out[rows] = _nbinom_block(m[rows], v[rows], taus[rows], int(wide[stop - 1]))
        start = stop
    return out


def _nbinom_block(m: FloatArray, v: FloatArray, taus: FloatArray, top: int) -> FloatArray:
    k = np.arange(top, dtype=float)
    over = v > m * (1 + 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(over, m**2 / np.maximum(v - m, 1e-12), 0.0)
        p = np.where(over, m / v, 1.0)  # the success probability r / (r + m)
        log0 = np.where(over, r * np.log(p), -m)
        ratio = np.where(
            over[:, None],
            (k[None, :] + r[:, None]) / (k[None, :] + 1) * (1 - p)[:, None],
            m[:, None] / (k[None, :] + 1),
        )
    logpmf = np.concatenate([log0[:, None], log0[:, None] + np.cumsum(np.log(ratio), axis=1)], axis=1)
    cdf = np.cumsum(np.exp(logpmf), axis=1)
    out = np.empty(taus.shape)
    for column in range(taus.shape[1]):
        out[:, column] = (cdf < taus[:, column, None] - 1e-12).sum(axis=1)
    return out


def _normal_ppf_array(p: FloatArray) -> FloatArray:
    """``_normal_ppf`` of every element (levels repeat, so each distinct one is computed once)."""
    values, inverse = np.unique(p, return_inverse=True)
    return np.array([_normal_ppf(float(x)) for x in values])[inverse].reshape(p.shape)


_PPF_A = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716)
_PPF_A5 = 2.506628277459239
_PPF_B = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572)
_PPF_C = (
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
)
_PPF_C5 = 2.938163982698783
_PPF_D = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)


def _normal_ppf(p: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9)."""
    a, b, c, d = (*_PPF_A, _PPF_A5), _PPF_B, (*_PPF_C, _PPF_C5), _PPF_D
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    if p > 1 - 0.02425:
        return -_normal_ppf(1 - p)
    q = p - 0.5
    r = q * q
    return (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
