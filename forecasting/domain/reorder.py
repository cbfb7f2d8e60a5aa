"""Reorder arithmetic: pure functions of a forecast and a stock position (no database).

Per part and stock location:

- Lead time L = ceil(lead_time_days / 7) weeks (at least one).
- Lead-time demand = the forecast's distribution of district demand over weeks [0, L), scaled by
  the location's share of recent consumption and by the share the district pays for
  (1 - warranty share: warranty repairs get their parts from the vendor).
- Reorder point = the service-level quantile of lead-time demand, rounded up. Safety stock =
  reorder point - mean lead-time demand.
- Order-up-to = reorder point + mean demand over one review cycle (REVIEW_WEEKS) after the lead
  time.
- When on hand + on order <= reorder point, suggest order-up-to - (on hand + on order), rounded
  up to the pack size and at least the minimum order; otherwise nothing.

Which stock locations: the depots and school storerooms that hold a stock row for the part or
used it in the last 52 weeks. Technician vehicle kits are not reorder targets -- they are
restocked from the main depot by transfer, never by a vendor order -- so a kit's consumption,
stock on hand and on order count towards the main depot (the lowest-id depot).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from repairs.choices import StockLocationKind

REVIEW_WEEKS = 4


@dataclass(frozen=True)
class LocationPlan:
    lead_time_demand: float  # expected district-paid demand over the lead time here
    safety_stock: float
    reorder_point: int
    order_up_to: int
    on_hand: int
    on_order: int
    warranty_covered: float
    suggested_quantity: int


def lead_time_weeks(lead_time_days: int) -> int:
    return max(1, math.ceil(lead_time_days / 7))


def round_order(quantity: float, *, pack_size: int, minimum_order: int) -> int:
    """Round a wanted quantity up to whole packs, and up to the minimum order; 0 stays 0."""
    if quantity <= 0:
        return 0
    pack = max(1, pack_size)
    units = math.ceil(quantity / pack) * pack
    if units < minimum_order:
        units = math.ceil(minimum_order / pack) * pack
    return int(units)


def plan_location(
    *,
    lead_time_quantile: float,
    lead_time_mean: float,
    review_mean: float,
    location_share: float,
    warranty_share: float,
    on_hand: int,
    on_order: int,
    pack_size: int,
    minimum_order: int,
) -> LocationPlan:
    """The reorder point and suggestion of one location from district lead-time demand.

    ``lead_time_quantile`` is the service-level quantile of district demand over the lead time,
    ``lead_time_mean`` its mean and ``review_mean`` the mean district demand of one review cycle.
    """
    paid = location_share * (1.0 - warranty_share)
    mean = lead_time_mean * paid
    reorder_point = max(0, math.ceil(lead_time_quantile * paid - 1e-9))
    order_up_to = reorder_point + max(0, math.ceil(review_mean * paid - 1e-9))
    position = on_hand + on_order
    wanted = order_up_to - position if position <= reorder_point else 0
    if position <= reorder_point and reorder_point == 0 and order_up_to == 0:
        wanted = 0  # nothing expected here: an empty shelf is fine
    return LocationPlan(
        lead_time_demand=mean,
        safety_stock=reorder_point - mean,
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        on_hand=on_hand,
        on_order=on_order,
        warranty_covered=lead_time_mean * location_share * warranty_share,
        suggested_quantity=round_order(wanted, pack_size=pack_size, minimum_order=minimum_order),
    )


def main_depot_id(locations: Iterable[tuple[int, str]]) -> int | None:
    """The depot that restocks technician kits: the lowest-id depot, if any."""
    depots = sorted(pk for pk, kind in locations if kind == StockLocationKind.DEPOT)
    return depots[0] if depots else None


def target_location(location_id: int, kind: str, depot_id: int | None) -> int | None:
    """Where a location's stock and use are planned: itself, or the main depot for a kit."""
    if kind == StockLocationKind.TECHNICIAN_KIT:
        return depot_id
    return location_id


def location_shares(
    *,
    consumption: Mapping[int, float],
    stocked: Iterable[int],
    kinds: Mapping[int, str],
    depot_id: int | None,
) -> dict[int, float]:
    """Each reorder-target location's share of the part's recent use; they sum to 1.

    Locations: those with a stock row (``stocked``) or recent use, kits folded into the main
    depot. Without recent use anywhere the stocked locations share equally.
    """
    used: dict[int, float] = {}
    for location_id, units in consumption.items():
        target = target_location(location_id, kinds.get(location_id, ""), depot_id)
        if target is not None and units > 0:
            used[target] = used.get(target, 0.0) + units
    targets = set(used) | set(stocked)
    total = sum(used.values())
    if not targets:
        return {}
    if total <= 0:
        return {loc: 1.0 / len(targets) for loc in targets}
    return {loc: used.get(loc, 0.0) / total for loc in targets}


def backtest_scores(
    *, actual: np.ndarray, mean: np.ndarray, quantiles: np.ndarray, levels: Sequence[float]
) -> dict[str, float | int | None]:
    """Scores of a holdout forecast: totals, MAE, bias, weighted quantile loss, 80% coverage.

    ``quantiles`` is (weeks, len(levels)). WQL = sum over levels and weeks of twice the pinball
    loss, over (number of levels x total actual); None when nothing was used. covered_80 is the
    share of weeks inside the band from the 10% to the 90% quantile.
    """
    actual = np.asarray(actual, dtype=float)
    mean = np.asarray(mean, dtype=float)[: actual.size]
    quantiles = np.asarray(quantiles, dtype=float)[: actual.size]
    errors = mean - actual
    total_actual = float(actual.sum())
    losses = []
    for j, tau in enumerate(levels):
        diff = actual - quantiles[:, j]
        losses.append(np.maximum(tau * diff, (tau - 1) * diff).sum())
    wql = 2 * float(sum(losses)) / (len(levels) * total_actual) if total_actual > 0 and levels else None
    covered: float | None = None
    if 0.1 in levels and 0.9 in levels:
        low, high = quantiles[:, list(levels).index(0.1)], quantiles[:, list(levels).index(0.9)]
        covered = float(np.mean((actual >= low) & (actual <= high))) if actual.size else None
    return {
        "holdout_weeks": int(actual.size),
        "actual": total_actual,
        "forecast": round(float(mean.sum()), 4),
        "mae": round(float(np.abs(errors).mean()), 4) if actual.size else None,
        "bias": round(float(errors.mean()), 4) if actual.size else None,
        "wql": None if wql is None else round(wql, 4),
        "covered_80": covered,
    }
