"""Bias of the app's own forecasts on a demo district: backtests at 13, 26 and 52 weeks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetdesk_district \\
        .venv/bin/python bench/forecast_holdout_bench.py [--holdouts 13 26 52]

Reads the database only. The weekly history of every active part is loaded exactly as a forecast
run loads it (``demand.demand_load``: warranty use left out, weeks before a part's first device
missing, exposure and the school calendar); the last H weeks are held out, the engine is fitted on
the weeks before them with the run's season length, and the held-out weeks are forecast. Bias:
Σ(forecast - actual) / Σactual over all parts, and per part category. Target (issue 15): within
±10% at each holdout.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db.models import Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from forecasting.domain import engine  # noqa: E402
from forecasting.selectors import demand  # noqa: E402
from forecasting.services import runs  # noqa: E402
from repairs.choices import StockMovementKind  # noqa: E402
from repairs.models import Part, StockMovement  # noqa: E402

TARGET = 0.10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--holdouts", type=int, nargs="+", default=[13, 26, 52])
    args = parser.parse_args()
    history_end = demand.week_start(timezone.localdate())
    first = StockMovement.objects.filter(
        kind__in=(StockMovementKind.ISSUED, StockMovementKind.RETURNED)
    ).aggregate(first=Min("occurred_at"))["first"]
    weeks = demand.history_weeks_since(first, history_end=history_end, limit=runs.MAX_HISTORY_WEEKS)
    parts = list(Part.objects.filter(is_active=True).order_by("pk").values_list("pk", "category"))
    data = demand.demand_load(
        part_ids=[pk for pk, _ in parts], history_end=history_end, weeks=weeks, horizon=runs.HORIZON_WEEKS
    )
    categories = np.array([dict(parts)[p.pk] for p in data.parts])
    print(f"{len(data.parts)} parts, {weeks} weeks of history to {history_end}")
    every = True
    for holdout in args.holdouts:
        if weeks < 2 * holdout:
            print(f"holdout {holdout:3d} weeks: history too short ({weeks} weeks)")
            every = False
            continue
        fit_weeks = weeks - holdout
        started = time.perf_counter()
        result = engine.forecast(
            data.history[:, :fit_weeks],
            horizon=holdout,
            season_length=runs._backtest_season(fit_weeks, runs.season_length_for(weeks)),
            exposure=data.exposure[:, :weeks],
            covariates=data.covariates[:weeks],
        )
        seconds = time.perf_counter() - started
        actual = np.nan_to_num(data.history[:, fit_weeks:]).sum(axis=1)
        forecast = result.mean.sum(axis=1)
        bias = (forecast.sum() - actual.sum()) / actual.sum()
        ok = abs(bias) <= TARGET
        every = every and ok
        worst = []
        for category in sorted(set(categories)):
            rows = categories == category
            if actual[rows].sum() > 0:
                worst.append(((forecast[rows].sum() - actual[rows].sum()) / actual[rows].sum(), category))
        worst.sort(key=lambda pair: -abs(pair[0]))
        spread = ", ".join(f"{c} {b:+.0%}" for b, c in worst[:3])
        print(
            f"holdout {holdout:3d} weeks: forecast {forecast.sum():,.0f} against {actual.sum():,.0f} used, "
            f"bias {bias:+.1%} ({'yes' if ok else 'NO'}, target ±{TARGET:.0%}); {seconds:.1f} s; "
            f"furthest categories: {spread}"
        )
    print("all within target" if every else "NOT all within target")


if __name__ == "__main__":
    main()
