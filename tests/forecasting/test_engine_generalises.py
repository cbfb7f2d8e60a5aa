"""The engine on the synthetic shapes of issue 15, held to the criteria the held-back real sets
are judged by: no loss to the best baseline on wRMSSE, WQL and stock for 90% fill, |bias| ≤ 10%,
fill at q90 within 0.87-0.93.

The sets and the scoring are the bench's own (bench/demand_shapes.py, bench/forecast_bench.py),
so a figure here is a figure there. The baselines are the two the bench computes without
statsforecast (a 12-month window average and exponential smoothing); ``--shapes`` in the bench
adds statsforecast's five. Where the engine does not meet a criterion yet, the test is a strict
xfail naming the figures: it fails the day the engine gets there, so the list stays true.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

logger = logging.getLogger(__name__)

BENCH = Path(__file__).resolve().parents[2] / "bench"
SHAPES = ("long lumpy", "short", "mixed sizes", "missing months", "outliers", "ramping up", "dying out")
VERSUS_BEST = ("wrmsse", "wql", "stock")
#: Measured misses (engine / best simple baseline, or the engine's fill at q90), 1,000 parts a set.
KNOWN_MISSES = {
    ("ramping up", "calib"): "0.951",
}


def _load(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _scores() -> dict[str, tuple[dict[str, float], dict[str, dict[str, float]]]]:
    """Per shape: the engine's row and the baselines' rows (computed once for the module)."""
    bench, shapes = _load("forecast_bench"), _load("demand_shapes")
    out = {}
    for name, (train, test) in shapes.shape_sets(parts=1000).items():
        out[name] = (bench.engine_row(train, test), bench.simple_baseline_rows(train, test))
        logger.info("%s: engine %s", name, out[name][0])
    return out


def _case(shape: str, metric: str) -> object:
    reason = KNOWN_MISSES.get((shape, metric))
    marks = [pytest.mark.xfail(strict=True, reason=f"not met yet: {reason}")] if reason else []
    return pytest.param(shape, metric, marks=marks, id=f"{shape}-{metric}")


def test_the_bench_builds_every_shape_the_issue_names() -> None:
    assert tuple(_scores()) == SHAPES


@pytest.mark.parametrize(
    ("shape", "metric"), [_case(shape, metric) for shape in SHAPES for metric in VERSUS_BEST]
)
def test_no_loss_to_the_best_baseline(shape: str, metric: str) -> None:
    engine_row, baselines = _scores()[shape]
    best = min(row[metric] for row in baselines.values())
    assert engine_row[metric] <= best + 1e-9


@pytest.mark.parametrize("shape", SHAPES)
def test_bias_within_ten_percent(shape: str) -> None:
    engine_row, _ = _scores()[shape]
    assert abs(engine_row["bias"]) <= 0.10


@pytest.mark.parametrize(("shape", "metric"), [_case(shape, "calib") for shape in SHAPES])
def test_a_90_percent_buy_fills_87_to_93_percent(shape: str, metric: str) -> None:
    engine_row, _ = _scores()[shape]
    assert 0.87 <= engine_row[metric] <= 0.93
