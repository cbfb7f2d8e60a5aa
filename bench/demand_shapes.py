"""Synthetic parts demand with the shapes real spare-parts data shows, for benchmarks and tests.

Pure NumPy and seeded, so every run sees the same parts. ``mixed_parts`` draws, per part, a level
spanning slow (a unit every few months) to fast (hundreds a month), lumpy order sizes for some,
parts ramping up after launch and parts dying out; ``lumpy=True`` adds a few parts whose orders
run to thousands, the kind that made the negative-binomial table as wide as their range.
"""

from __future__ import annotations

import numpy as np


def mixed_parts(parts: int, periods: int, *, seed: int = 0, lumpy: bool = True) -> np.ndarray:
    """Monthly demand (parts, periods): slow and fast, smooth and lumpy, new and fading parts."""
    rng = np.random.default_rng(seed)
    level = np.exp(rng.uniform(np.log(0.05), np.log(200.0), size=parts))
    t = np.arange(periods)
    shape = np.ones((parts, periods))
    kind = rng.random(parts)
    launch = rng.integers(0, periods // 2, size=parts)
    ramping = kind < 0.1
    shape[ramping] = np.clip((t[None, :] - launch[ramping, None]) / 12, 0, 1)
    fading = (kind >= 0.1) & (kind < 0.2)
    shape[fading] = np.exp(-t[None, :] / rng.uniform(12, 36, size=(int(fading.sum()), 1)))
    rate = level[:, None] * shape
    # Lumpy parts: orders arrive by Poisson, each of a geometric size.
    order_size = np.where(rng.random(parts) < 0.3, rng.uniform(2, 10, size=parts), 1.0)
    if lumpy:
        order_size[rng.random(parts) < 0.002] = 300.0
    orders = rng.poisson(rate / order_size[:, None])
    sizes = np.maximum(1, np.round(order_size[:, None] * rng.gamma(1.0, 1.0, size=(parts, periods))))
    return (orders * sizes).astype(float)


#: Months each synthetic set is scored on, after its history.
TEST_MONTHS = 12


def _split(full: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return full[:, :-TEST_MONTHS], full[:, -TEST_MONTHS:]


def shape_sets(*, parts: int = 1000, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Seeded synthetic sets with the shapes the engine must generalise to (issue 15), each as
    (history, the next TEST_MONTHS months). Only the history may hold missing months (NaN).

    - long lumpy: 7 years of slow parts whose orders come in batches;
    - short: 24 months of mixed parts;
    - mixed sizes: a unit every few months beside tens a month, Poisson;
    - missing months: mixed parts with 30% of history months unreported;
    - outliers: mixed parts, one in fifty with one freak month 50 times its level (at least 200);
    - ramping up: parts launched throughout the history, each reaching its level a year later;
    - dying out: parts fading with a half-life of one to three years.
    """
    rng = np.random.default_rng(seed)
    months = 60 + TEST_MONTHS
    t = np.arange(months)
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    level = np.exp(rng.uniform(np.log(0.05), np.log(1.5), size=parts))
    batch = rng.uniform(2, 12, size=parts)
    orders = rng.poisson(level[:, None] / batch[:, None], size=(parts, 84 + TEST_MONTHS))
    sizes = rng.geometric(1 / batch[:, None], size=orders.shape)
    sets["long lumpy"] = _split((orders * sizes).astype(float))

    sets["short"] = _split(mixed_parts(parts, 24 + TEST_MONTHS, seed=seed + 1, lumpy=False))

    rates = np.concatenate(
        [rng.uniform(0.05, 0.5, size=parts * 4 // 5), rng.uniform(20, 100, size=parts - parts * 4 // 5)]
    )
    sets["mixed sizes"] = _split(rng.poisson(rates[:, None], size=(parts, months)).astype(float))

    history, future = _split(mixed_parts(parts, months, seed=seed + 2, lumpy=False))
    history[rng.random(history.shape) < 0.3] = np.nan
    sets["missing months"] = (history, future)

    history, future = _split(mixed_parts(parts, months, seed=seed + 3, lumpy=False))
    spiked = rng.random(parts) < 0.02
    when = rng.integers(0, history.shape[1], size=parts)
    typical = np.maximum(history.mean(axis=1), 1.0)
    history[spiked, when[spiked]] = np.maximum(200.0, 50 * typical[spiked])
    sets["outliers"] = (history, future)

    base = np.exp(rng.uniform(np.log(0.2), np.log(30.0), size=parts))
    launch = rng.integers(0, 55, size=parts)  # a steady stream of launches, some still ramping
    ramp = base[:, None] * np.clip((t[None, :] - launch[:, None]) / 12, 0, 1)
    sets["ramping up"] = _split(rng.poisson(ramp).astype(float))

    half_life = rng.uniform(12, 36, size=parts)
    fade = base[:, None] * 2 * 0.5 ** (t[None, :] / half_life[:, None])
    sets["dying out"] = _split(rng.poisson(fade).astype(float))
    return sets
