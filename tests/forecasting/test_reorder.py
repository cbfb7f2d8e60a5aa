"""Reorder arithmetic: pure functions, no database."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.domain import reorder
from repairs.choices import StockLocationKind

DEPOT, SCHOOL, KIT = StockLocationKind.DEPOT, StockLocationKind.SCHOOL, StockLocationKind.TECHNICIAN_KIT


def plan(**overrides: float) -> reorder.LocationPlan:
    args: dict = {
        "lead_time_quantile": 10.0,
        "lead_time_mean": 6.0,
        "review_mean": 4.0,
        "location_share": 0.5,
        "warranty_share": 0.2,
        "on_hand": 1,
        "on_order": 1,
        "pack_size": 1,
        "minimum_order": 1,
    }
    args.update(overrides)
    return reorder.plan_location(**args)


@pytest.mark.parametrize(("days", "weeks"), [(0, 1), (1, 1), (7, 1), (14, 2), (15, 3), (30, 5)])
def test_lead_time_weeks_rounds_days_up_to_whole_weeks(days: int, weeks: int):
    assert reorder.lead_time_weeks(days) == weeks


@pytest.mark.parametrize(
    ("wanted", "pack", "minimum", "units"),
    [
        (0, 5, 10, 0),
        (-3, 1, 1, 0),
        (7, 5, 1, 10),
        (10, 5, 1, 10),
        (3, 1, 10, 10),
        (3, 4, 10, 12),
        (0.2, 1, 1, 1),
    ],
)
def test_round_order_to_packs_and_minimum(wanted: float, pack: int, minimum: int, units: int):
    assert reorder.round_order(wanted, pack_size=pack, minimum_order=minimum) == units


def test_plan_scales_district_demand_by_location_share_and_paid_share():
    result = plan()

    # Paid share here = 0.5 x (1 - 0.2) = 0.4 of district demand.
    assert result.lead_time_demand == pytest.approx(2.4)
    assert result.reorder_point == 4  # ceil(10 x 0.4)
    assert result.safety_stock == pytest.approx(1.6)
    assert result.order_up_to == 6  # 4 + ceil(4 x 0.4)
    assert result.warranty_covered == pytest.approx(0.6)  # 6 x 0.5 x 0.2, not stocked
    assert result.suggested_quantity == 4  # up to 6 from on hand 1 + on order 1


def test_plan_counts_stock_on_order_towards_the_position():
    assert plan(on_hand=0, on_order=0).suggested_quantity == 6
    assert plan(on_hand=0, on_order=3).suggested_quantity == 3
    assert plan(on_hand=0, on_order=5).suggested_quantity == 0  # above the reorder point


def test_plan_orders_when_position_equals_reorder_point():
    assert plan(on_hand=4, on_order=0).suggested_quantity == 2


def test_plan_suggests_nothing_when_stock_is_enough():
    result = plan(on_hand=9, on_order=0)

    assert result.reorder_point == 4
    assert result.suggested_quantity == 0


def test_plan_rounds_up_to_pack_size_and_minimum_order():
    assert plan(pack_size=5).suggested_quantity == 5
    assert plan(minimum_order=12).suggested_quantity == 12
    assert plan(pack_size=5, minimum_order=12).suggested_quantity == 15


def test_plan_excludes_warranty_demand_entirely_when_all_is_covered():
    result = plan(warranty_share=1.0, on_hand=0, on_order=0)

    assert result.reorder_point == 0
    assert result.lead_time_demand == 0
    assert result.warranty_covered == pytest.approx(3.0)
    assert result.suggested_quantity == 0


def test_plan_with_no_expected_demand_leaves_an_empty_shelf_empty():
    result = plan(lead_time_quantile=0, lead_time_mean=0, review_mean=0, on_hand=0, on_order=0)

    assert (result.reorder_point, result.order_up_to, result.suggested_quantity) == (0, 0, 0)


def test_main_depot_is_the_lowest_id_depot():
    assert reorder.main_depot_id([(7, DEPOT), (3, KIT), (5, DEPOT), (1, SCHOOL)]) == 5
    assert reorder.main_depot_id([(3, KIT)]) is None


def test_kits_are_planned_at_the_main_depot():
    assert reorder.target_location(3, KIT, 5) == 5
    assert reorder.target_location(3, KIT, None) is None
    assert reorder.target_location(1, SCHOOL, 5) == 1


def test_location_shares_fold_kit_use_into_the_depot():
    shares = reorder.location_shares(
        consumption={5: 2.0, 3: 4.0, 1: 2.0},
        stocked=[9],
        kinds={5: DEPOT, 3: KIT, 1: SCHOOL, 9: SCHOOL},
        depot_id=5,
    )

    assert shares == {5: pytest.approx(0.75), 1: pytest.approx(0.25), 9: 0.0}


def test_location_shares_split_evenly_without_recent_use():
    shares = reorder.location_shares(consumption={}, stocked=[1, 2], kinds={1: DEPOT, 2: SCHOOL}, depot_id=1)

    assert shares == {1: 0.5, 2: 0.5}
    assert reorder.location_shares(consumption={}, stocked=[], kinds={}, depot_id=None) == {}


def test_backtest_scores():
    actual = np.array([0.0, 2.0, 1.0, 1.0])
    mean = np.array([1.0, 1.0, 1.0, 1.0])
    levels = [0.1, 0.5, 0.9]
    quantiles = np.array([[0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 3]], dtype=float)

    scores = reorder.backtest_scores(actual=actual, mean=mean, quantiles=quantiles, levels=levels)

    assert scores["holdout_weeks"] == 4
    assert scores["actual"] == 4.0
    assert scores["forecast"] == 4.0
    assert scores["mae"] == pytest.approx(0.5)
    assert scores["bias"] == pytest.approx(0.0)
    assert scores["covered_80"] == 1.0
    # Pinball losses: tau 0.1 -> 0.4, tau 0.5 -> 1.0, tau 0.9 -> 0.5; 2 x 1.9 / (3 levels x 4 units).
    assert scores["wql"] == pytest.approx(0.3167)


def test_backtest_scores_without_any_use_has_no_wql():
    scores = reorder.backtest_scores(
        actual=np.zeros(3), mean=np.array([0.5, 0.5, 0.5]), quantiles=np.zeros((3, 1)), levels=[0.5]
    )

    assert scores["wql"] is None
    assert scores["bias"] == pytest.approx(0.5)
    assert scores["covered_80"] is None
