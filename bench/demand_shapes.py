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
