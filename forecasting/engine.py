"""Intermittent-demand forecasting engine: pure Python and NumPy, importable without Django.

``forecast(history, horizon=H, season_length=M, quantiles=...)`` takes demand counts of shape
(parts, periods), NaN where a period has no data, oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DEFAULT_QUANTILES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ForecastResult:
    mean: FloatArray  # (parts, horizon)
    quantiles: FloatArray  # (parts, horizon, len(levels))
    levels: tuple[float, ...]
    dispersion: FloatArray  # (parts,) negative-binomial size of the horizon total
    method: tuple[str, ...]

    def total_quantiles(self, taus: Sequence[float]) -> FloatArray:
        """Quantiles of each part's total demand over the whole horizon, shape (parts, len(taus))."""
        return self.sum_quantiles(0, self.mean.shape[1], taus)

    def sum_quantiles(self, start: int, stop: int, taus: Sequence[float]) -> FloatArray:
        """Quantiles of each part's total demand over periods [start, stop), shape (parts, len(taus))."""
        total = self.mean[:, start:stop].sum(axis=1)
        share = (stop - start) / max(self.mean.shape[1], 1)
        return nbinom_quantiles(total, self.dispersion * share, np.asarray(taus, dtype=float))


def nbinom_quantiles(mean: FloatArray, size: FloatArray, taus: NDArray[np.float64]) -> FloatArray:
    """Quantiles of negative binomials with the given means and sizes, shape (len(mean), len(taus))."""
    mean = np.asarray(mean, dtype=float)
    size = np.broadcast_to(np.asarray(size, dtype=float), mean.shape)
    out = np.zeros((mean.size, taus.size))
    upper = int(np.ceil(np.max(mean + 12 * np.sqrt(mean + mean**2 / np.maximum(size, 1e-9)) + 10, initial=10)))
    k = np.arange(upper + 1, dtype=float)
    for i, (m, r) in enumerate(zip(mean, size, strict=True)):
        if m <= 0:
            continue
        p = r / (r + m)
        logpmf = (
            _lgamma(k + r) - _lgamma(r) - _lgamma(k + 1) + r * np.log(p) + k * np.log1p(-p)
        )
        cdf = np.cumsum(np.exp(logpmf))
        out[i] = np.searchsorted(cdf, taus - 1e-12)
    return out


def _lgamma(x: FloatArray) -> FloatArray:
    from math import lgamma

    return np.vectorize(lgamma, otypes=[float])(x)


def forecast(
    history: ArrayLike,
    *,
    horizon: int,
    season_length: int = 1,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    exposure: ArrayLike | None = None,
    covariates: ArrayLike | None = None,
) -> ForecastResult:
    """Placeholder mean of the last year with negative-binomial quantiles (replaced by the real engine)."""
    y = np.atleast_2d(np.asarray(history, dtype=float))
    n, t = y.shape
    window = min(t, max(season_length, 12))
    recent = y[:, -window:]
    rate = np.nan_to_num(np.nanmean(recent, axis=1)) if t else np.zeros(n)
    mean = np.repeat(rate[:, None], horizon, axis=1)
    levels = tuple(float(q) for q in quantiles)
    size = np.full(n, 2.0)
    per = nbinom_quantiles(rate, size, np.asarray(levels))
    return ForecastResult(
        mean=mean,
        quantiles=np.repeat(per[:, None, :], horizon, axis=1),
        levels=levels,
        dispersion=size * horizon,
        method=("window_average",) * n,
    )


ArrayLike = object
